import type { Clock } from '../lib/clock';
import type { Store } from '../store/store';
import { SIGNATURE_WINDOW_SECONDS } from './signing';

interface PendingClaim {
  orgId: string;
  nonce: string;
  resolve(claimed: boolean): void;
  reject(error: unknown): void;
}

// Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits (3 per row).
const MAX_BATCH = 500;

/**
 * Remembers every nonce for as long as its timestamp could still be accepted, in the store, so
 * that a request replayed against another relay instance is refused too.
 *
 * Claims that arrive in the same event-loop turn are written with one multi-row INSERT (group
 * commit): a store write per signed request is otherwise the largest cost of verification. Each
 * claim still resolves only after its row is committed.
 */
export class ReplayGuard {
  // A request is accepted up to WINDOW after its timestamp; its timestamp may lie up to WINDOW
  // in the future. Keeping nonces 2 × WINDOW covers both.
  private readonly retentionMs = 2 * SIGNATURE_WINDOW_SECONDS * 1000;
  private pending: PendingClaim[] = [];
  private flushScheduled = false;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Records the nonce; false when it was already seen for this tenant. */
  claim(orgId: string, nonce: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ orgId, nonce, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const claims = this.pending;
    this.pending = [];
    for (let start = 0; start < claims.length; start += MAX_BATCH) {
      await this.writeBatch(claims.slice(start, start + MAX_BATCH));
    }
  }

  private async writeBatch(claims: PendingClaim[]): Promise<void> {
    // The same nonce twice in one batch: the first claim wins, as it would have sequentially.
    const first = new Map<string, PendingClaim>();
    const duplicates: PendingClaim[] = [];
    for (const claim of claims) {
      const key = `${claim.orgId}\n${claim.nonce}`;
      if (first.has(key)) duplicates.push(claim);
      else first.set(key, claim);
    }
    try {
      const expiresAt = this.clock.now() + this.retentionMs;
      const inserted = await this.store.db
        .insertInto('replay_nonces')
        .values(
          [...first.values()].map(({ orgId, nonce }) => ({
            org_id: orgId,
            nonce,
            expires_at: expiresAt,
          })),
        )
        .onConflict((oc) => oc.columns(['org_id', 'nonce']).doNothing())
        .returning(['org_id', 'nonce'])
        .execute();
      const claimed = new Set(inserted.map((row) => `${row.org_id}\n${row.nonce}`));
      for (const [key, claim] of first) claim.resolve(claimed.has(key));
      for (const claim of duplicates) claim.resolve(false);
    } catch (error) {
      for (const claim of claims) claim.reject(error);
    }
  }

  async purgeExpired(): Promise<number> {
    const result = await this.store.db
      .deleteFrom('replay_nonces')
      .where('expires_at', '<', this.clock.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
