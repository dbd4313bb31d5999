import { Counter, Gauge, type Registry } from 'prom-client';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import { HeldBack, type JiraRequest, type QuotaGate } from './transport';

/**
 * A fair share of the Atlassian app quota for every tenant.
 *
 * The relay is one OAuth 2.0 (3LO) app for all tenants, and Atlassian counts that app's points
 * per hour across every site it serves. Without shares, one tenant's burst (a bulk create, a
 * runaway Flow) spends the hour's budget and every other tenant gets 429s. Here each tenant
 * has a weight (`tenants set --quota-weight N`, default 1); among the tenants that used Jira in
 * the last hour, a tenant's share is its weight over the sum of their weights. Idle tenants
 * take nothing: a lone busy tenant may use the whole budget while nobody else needs it.
 *
 * - Points: Atlassian charges a call 1 point plus 1 per object it reads; writes cost 1. The
 *   relay cannot know the objects before the answer, so a read counts 2 (one issue) unless the
 *   endpoint says more (a search for 20 keys counts 21), a write 1.
 * - Usage: points per tenant and in total over a sliding hour (60 one-minute buckets).
 * - With ATLASSIAN_APP_HOURLY_POINTS set (this instance's part of the app's budget: the
 *   budget divided by the number of instances, which a round-robin balancer loads evenly):
 *   once the hour's usage passes 80 % of it, a tenant over its share is held back until its
 *   usage falls back under it; at 100 % every call waits (Jira would refuse it anyway).
 * - When Jira answers 429 because the app as a whole is over its quota (RateLimit-Reason
 *   `jira-quota-global-based`), then for the Retry-After every tenant whose part of the
 *   hour's usage exceeds its share is held back; tenants within their share go on (their calls
 *   may meet Jira's own limit, which the transport then waits out as usual).
 * Held back means answered at once JIRA_RATE_LIMITED with Retry-After, nothing sent.
 * API-token and PAT connections are not counted: Atlassian limits those per user, not per app.
 */

const BUCKET_MS = 60_000;
const BUCKETS = 60;
/** Usage of the hourly budget above which tenants over their share are held back. */
const CONTENTION = 0.8;

/** Points in a sliding hour of one-minute buckets, kept up to date lazily. */
class HourUsage {
  private readonly points = new Float64Array(BUCKETS);
  private readonly minutes = new Float64Array(BUCKETS).fill(-1);
  private expiredAt = -1;
  total = 0;

  add(minute: number, points: number): void {
    this.expire(minute);
    const slot = minute % BUCKETS;
    this.minutes[slot] = minute;
    this.points[slot] = (this.points[slot] ?? 0) + points;
    this.total += points;
  }

  /** Drops buckets older than an hour (a no-op within the minute of the last call). */
  expire(minute: number): void {
    if (minute === this.expiredAt) return;
    this.expiredAt = minute;
    for (let slot = 0; slot < BUCKETS; slot += 1) {
      const stamp = this.minutes[slot] ?? -1;
      if (stamp >= 0 && stamp <= minute - BUCKETS) {
        this.total -= this.points[slot] ?? 0;
        this.points[slot] = 0;
        this.minutes[slot] = -1;
      }
    }
    if (this.total < 1e-9) this.total = 0;
  }

  /** Milliseconds until at least `excess` points have left the window. */
  msUntilFreed(excess: number, now: number): number {
    const minute = Math.floor(now / BUCKET_MS);
    let freed = 0;
    for (let age = BUCKETS - 1; age >= 0; age -= 1) {
      const stamp = minute - age;
      const slot = stamp % BUCKETS;
      if (this.minutes[slot] !== stamp) continue;
      freed += this.points[slot] ?? 0;
      if (freed >= excess) return (stamp + BUCKETS) * BUCKET_MS - now;
    }
    return BUCKETS * BUCKET_MS;
  }
}

interface TenantUsage {
  usage: HourUsage;
  weight: number;
}

/** Points Atlassian is expected to charge for one call (see the module comment). */
export function pointsOf(request: JiraRequest): number {
  if (request.points !== undefined) return request.points;
  return request.method === 'GET' || request.readOnly ? 2 : 1;
}

export class AppQuota {
  private readonly app = new HourUsage();
  private readonly tenants = new Map<string, TenantUsage>();
  /** Until when (epoch ms) Jira says the app is over its quota. */
  private overQuotaUntil = 0;
  private heldBack: Counter<'tenant'> | undefined;

  constructor(
    private readonly hourlyPoints: number | undefined,
    private readonly clock: Clock,
  ) {}

  /** The gate one OAuth connection of a tenant calls through; `weight` is read at each call. */
  gateFor(orgId: string, weight: () => number): QuotaGate {
    return {
      charge: (request) => this.charge(orgId, weight(), pointsOf(request)),
      appOverQuota: (waitMs) => {
        this.overQuotaUntil = Math.max(this.overQuotaUntil, this.clock.now() + waitMs);
      },
    };
  }

  /** Counts a call's points for the tenant, or throws JIRA_RATE_LIMITED when it must wait. */
  charge(orgId: string, weight: number, points: number): void {
    const now = this.clock.now();
    const minute = Math.floor(now / BUCKET_MS);
    let tenant = this.tenants.get(orgId);
    if (!tenant) {
      tenant = { usage: new HourUsage(), weight };
      this.tenants.set(orgId, tenant);
    }
    tenant.weight = weight;
    this.app.expire(minute);
    tenant.usage.expire(minute);
    const waitMs = this.holdBackMs(tenant, points, now);
    if (waitMs > 0) {
      this.heldBack?.inc({ tenant: orgId });
      const retryAfter = Math.max(1, Math.ceil(waitMs / 1000));
      throw new AppError(
        'JIRA_RATE_LIMITED',
        `Jira is busy: this org has used more than its share of the relay's Atlassian quota for this hour. Nothing was sent; retry after ${retryAfter} s.`,
        { retryAfter, cause: new HeldBack('quota') },
      );
    }
    tenant.usage.add(minute, points);
    this.app.add(minute, points);
  }

  /** The tenant's share of the app quota now (its weight over the active tenants' weights). */
  shareOf(orgId: string): number {
    const tenant = this.tenants.get(orgId);
    if (!tenant) return 0;
    return tenant.weight / this.activeWeight(tenant);
  }

  registerMetrics(registry: Registry): void {
    this.heldBack = new Counter({
      name: 'relay_jira_app_quota_held_back_total',
      help: 'Jira calls answered JIRA_RATE_LIMITED because the tenant was over its share of the Atlassian app quota',
      labelNames: ['tenant'] as const,
      registers: [registry],
    });
    const active = () => this.activeTenants();
    const shareOf = (orgId: string) => this.shareOf(orgId);
    const budget = this.hourlyPoints ?? 0;
    new Gauge({
      name: 'relay_jira_app_quota_points',
      help: 'Atlassian app quota points used in the last hour by OAuth connections, per tenant (this instance)',
      labelNames: ['tenant'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [orgId, usage] of active()) this.set({ tenant: orgId }, usage);
      },
    });
    new Gauge({
      name: 'relay_jira_app_quota_share',
      help: "Each active tenant's share of the Atlassian app quota (its weight over the active tenants' weights)",
      labelNames: ['tenant'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const [orgId] of active()) this.set({ tenant: orgId }, shareOf(orgId));
      },
    });
    new Gauge({
      name: 'relay_jira_app_quota_budget_points',
      help: 'ATLASSIAN_APP_HOURLY_POINTS of this instance (0: not set, only Jira 429s hold tenants back)',
      registers: [registry],
      collect() {
        this.set(budget);
      },
    });
  }

  /** Tenants with usage this hour and their points; forgets the others. */
  private activeTenants(): [string, number][] {
    const minute = Math.floor(this.clock.now() / BUCKET_MS);
    const active: [string, number][] = [];
    for (const [orgId, tenant] of this.tenants) {
      tenant.usage.expire(minute);
      if (tenant.usage.total > 0) active.push([orgId, tenant.usage.total]);
      else this.tenants.delete(orgId);
    }
    return active;
  }

  /** Sum of the weights of tenants that used the quota this hour, `including` one more. */
  private activeWeight(including: TenantUsage): number {
    const minute = Math.floor(this.clock.now() / BUCKET_MS);
    let sum = 0;
    for (const tenant of this.tenants.values()) {
      tenant.usage.expire(minute);
      if (tenant === including || tenant.usage.total > 0) sum += tenant.weight;
    }
    return sum;
  }

  /** How long the tenant must wait before spending `points`; 0 when it may go now. */
  private holdBackMs(tenant: TenantUsage, points: number, now: number): number {
    const budget = this.hourlyPoints;
    const contended = budget !== undefined && this.app.total + points > budget * CONTENTION;
    const overQuota = now < this.overQuotaUntil;
    if (!contended && !overQuota) return 0;
    if (budget !== undefined && this.app.total + points > budget) {
      return this.app.msUntilFreed(this.app.total + points - budget, now);
    }
    const share = tenant.weight / this.activeWeight(tenant);
    // Under the configured budget the share is of the budget. Once Jira says the app is over
    // its quota, the budget is evidently smaller than configured (or unknown): the share is
    // of what the tenants actually used this hour.
    const allowance = share * (overQuota ? this.app.total + points : (budget as number));
    const excess = tenant.usage.total + points - allowance;
    if (excess <= 0) return 0;
    return Math.max(
      overQuota ? this.overQuotaUntil - now : 0,
      contended ? tenant.usage.msUntilFreed(excess, now) : 0,
    );
  }
}
