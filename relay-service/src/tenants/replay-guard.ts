import type { Clock } from '../lib/clock';
import { insertFirstOfEachKey } from '../lib/first-of-each-key';
import { TurnBatch } from '../lib/turn-batch';
import type { Store } from '../store/store';
import { SIGNATURE_WINDOW_SECONDS } from './signing';

// Rows per INSERT: well under SQLite's and PostgreSQL's bound-parameter limits (3 per row).
const MAX_BATCH = 500;

interface Claim {
  orgId: string;
  nonce: string;
}

/**
 * Remembers every nonce for as long as its timestamp could still be accepted, in the store, so
 * that a request replayed against another relay instance is refused too.
 *
 * Claims that arrive in the same event-loop turn are written with one multi-row INSERT (group
 * commit, `TurnBatch`): a store write per signed request is otherwise the largest cost of
 * verification. Each claim still resolves only after its row is committed.
 */
export class ReplayGuard {
  // A request is accepted up to WINDOW after its timestamp; its timestamp may lie up to WINDOW
  // in the future. Keeping nonces 2 × WINDOW covers both.
  private readonly retentionMs = 2 * SIGNATURE_WINDOW_SECONDS * 1000;
  private readonly claims = new TurnBatch<Claim, boolean>((batch) => this.write(batch), MAX_BATCH);

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Records the nonce; false when it was already seen for this tenant. */
  claim(orgId: string, nonce: string): Promise<boolean> {
    return this.claims.submit({ orgId, nonce });
  }

  private write(claims: Claim[]): Promise<boolean[]> {
    // The same nonce twice in one batch: the first claim wins, as it would have sequentially.
    const expiresAt = this.clock.now() + this.retentionMs;
    return insertFirstOfEachKey(
      claims,
      ({ orgId, nonce }) => nonceKey(orgId, nonce),
      async (firsts) => {
        const inserted = await this.store.db
          .insertInto('replay_nonces')
          .values(
            firsts.map(({ orgId, nonce }) => ({ org_id: orgId, nonce, expires_at: expiresAt })),
          )
          .onConflict((oc) => oc.columns(['org_id', 'nonce']).doNothing())
          .returning(['org_id', 'nonce'])
          .execute();
        return inserted.map((row) => nonceKey(row.org_id, row.nonce));
      },
    );
  }

  async purgeExpired(): Promise<number> {
    const result = await this.store.db
      .deleteFrom('replay_nonces')
      .where('expires_at', '<', this.clock.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

const nonceKey = (orgId: string, nonce: string) => `${orgId}\n${nonce}`;
