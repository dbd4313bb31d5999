import type { Clock } from '../lib/clock';
import type { Store } from '../store/store';
import { SIGNATURE_WINDOW_SECONDS } from './signing';

/**
 * Remembers every nonce for as long as its timestamp could still be accepted, in the store, so
 * that a request replayed against another relay instance is refused too.
 */
export class ReplayGuard {
  // A request is accepted up to WINDOW after its timestamp; its timestamp may lie up to WINDOW
  // in the future. Keeping nonces 2 × WINDOW covers both.
  private readonly retentionMs = 2 * SIGNATURE_WINDOW_SECONDS * 1000;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Records the nonce; false when it was already seen for this tenant. */
  async claim(orgId: string, nonce: string): Promise<boolean> {
    const result = await this.store.db
      .insertInto('replay_nonces')
      .values({ org_id: orgId, nonce, expires_at: this.clock.now() + this.retentionMs })
      .onConflict((oc) => oc.columns(['org_id', 'nonce']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async purgeExpired(): Promise<number> {
    const result = await this.store.db
      .deleteFrom('replay_nonces')
      .where('expires_at', '<', this.clock.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
