import { sql } from 'kysely';
import type { Store } from '../store/store';
import type { TenantRateLimit } from './rate-limiter';

/**
 * The per-tenant limit of signed requests per minute, held across every relay instance that
 * shares one PostgreSQL store.
 *
 * Each tenant has one counter row per minute (`tenant_rate_windows`). An instance does not
 * write it per request: it claims a few requests at a time (a lease) with one atomic upsert
 * that never lets the row pass the limit, and spends the lease from memory. The hot path is
 * then a map lookup; the store sees one statement per lease. The lease adapts: at most a
 * fiftieth of the limit, and an eighth of what is left in the window as it runs out, so a
 * nearly spent window is shared out in small pieces. Concurrent requests of one tenant wait on
 * the same claim (single flight).
 *
 * What this gives: the fleet never serves more than the limit in one window (leases come out
 * of the row, which stops at the limit). A lease that one instance has not used when the
 * minute ends is lost (at most one lease per instance), so the fleet may refuse a little
 * early. The window is a fixed minute: up to twice the limit can pass around a window's edge,
 * which a sliding window would prevent at the cost of a second row read per claim.
 */

interface Lease {
  /** Epoch minute the lease belongs to. */
  window: number;
  granted: number;
  used: number;
  /** The fleet's count after the last claim (for sizing the next lease). */
  fleetUsed: number;
  /** The row is at the limit: nothing more to claim this minute. */
  exhausted: boolean;
  claiming: Promise<void> | undefined;
}

const WINDOW_MS = 60_000;

export class FleetRateLimiter implements TenantRateLimit {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly store: Store,
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request; 0 when allowed, otherwise the seconds until the window ends. */
  take(orgId: string): number | Promise<number> {
    const lease = this.leaseOf(orgId);
    if (lease.used < lease.granted) {
      lease.used += 1;
      return 0;
    }
    return this.takeAfterClaim(orgId);
  }

  /** Forgets windows older than the last two minutes. */
  async purgeExpired(): Promise<number> {
    const result = await this.store.db
      .deleteFrom('tenant_rate_windows')
      .where('window_start', '<', Math.floor(this.now() / WINDOW_MS) - 1)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async takeAfterClaim(orgId: string): Promise<number> {
    for (;;) {
      const lease = this.leaseOf(orgId);
      if (lease.used < lease.granted) {
        lease.used += 1;
        return 0;
      }
      if (lease.exhausted) return this.secondsLeft(lease.window);
      lease.claiming ??= this.claim(orgId, lease).finally(() => {
        lease.claiming = undefined;
      });
      await lease.claiming;
    }
  }

  private leaseOf(orgId: string): Lease {
    const window = Math.floor(this.now() / WINDOW_MS);
    let lease = this.leases.get(orgId);
    if (!lease || lease.window !== window) {
      lease = { window, granted: 0, used: 0, fleetUsed: 0, exhausted: false, claiming: undefined };
      this.leases.set(orgId, lease);
    }
    return lease;
  }

  private async claim(orgId: string, lease: Lease): Promise<void> {
    const limit = this.perMinute;
    const wanted = Math.max(
      1,
      Math.min(Math.ceil(limit / 50), Math.ceil((limit - lease.fleetUsed) / 8)),
    );
    // Every SET expression reads the row as it was before this statement, so last_grant is
    // what this claim got even when other instances claim at the same moment (the row lock
    // serialises them).
    const row = await this.store.db
      .insertInto('tenant_rate_windows')
      .values({
        org_id: orgId,
        window_start: lease.window,
        used: Math.min(wanted, limit),
        last_grant: Math.min(wanted, limit),
      })
      .onConflict((oc) =>
        oc.columns(['org_id', 'window_start']).doUpdateSet({
          used: sql<number>`tenant_rate_windows.used + greatest(0, least(${wanted}, ${limit} - tenant_rate_windows.used))`,
          last_grant: sql<number>`greatest(0, least(${wanted}, ${limit} - tenant_rate_windows.used))`,
        }),
      )
      .returning(['used', 'last_grant'])
      .executeTakeFirstOrThrow();
    lease.granted += row.last_grant;
    lease.fleetUsed = row.used;
    if (row.last_grant < wanted || row.used >= limit) lease.exhausted = true;
  }

  private secondsLeft(window: number): number {
    return Math.max(1, Math.ceil(((window + 1) * WINDOW_MS - this.now()) / 1000));
  }
}
