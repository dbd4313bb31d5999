import { connectionSecretRef } from '../jira/auth/credentials';
import type { Clock } from '../lib/clock';
import type { Db, Store } from '../store/store';
import type { Envelope } from './envelope';

/**
 * Secrets at rest. A secret is addressed by a reference string such as
 * `tenant/00D…/signing/current` or `connection/00D…/default` (later also per user), and only
 * its ciphertext is ever written to the store.
 */
export class Vault {
  constructor(
    private readonly store: Store,
    private readonly envelope: Envelope,
    private readonly clock: Clock,
  ) {}

  /** Stores (or replaces) a secret. Pass a transaction to make it part of a larger change. */
  async put(ref: string, plaintext: string, db: Db = this.store.db): Promise<void> {
    const now = this.clock.now();
    const ciphertext = this.envelope.seal(ref, plaintext);
    await db
      .insertInto('vault_entries')
      .values({
        ref,
        key_id: this.envelope.primaryKeyId,
        ciphertext,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc
          .column('ref')
          .doUpdateSet({ key_id: this.envelope.primaryKeyId, ciphertext, updated_at: now }),
      )
      .execute();
  }

  async get(ref: string, db: Db = this.store.db): Promise<string | undefined> {
    const row = await db
      .selectFrom('vault_entries')
      .select('ciphertext')
      .where('ref', '=', ref)
      .executeTakeFirst();
    return row ? this.envelope.open(ref, row.ciphertext) : undefined;
  }

  /** Decrypts a ciphertext already read together with other rows (saves a round trip). */
  openCiphertext(ref: string, ciphertext: string): string {
    return this.envelope.open(ref, ciphertext);
  }

  async delete(ref: string, db: Db = this.store.db): Promise<void> {
    await db.deleteFrom('vault_entries').where('ref', '=', ref).execute();
  }

  /** Deletes a connection's secret and every per-user secret under it (`<ref>/…`). */
  async deleteConnectionSecrets(
    orgId: string,
    connectionName: string,
    db: Db = this.store.db,
  ): Promise<void> {
    const ref = connectionSecretRef(orgId, connectionName);
    // LIKE treats `_` and `%` in the name as wildcards: the prefix check keeps only true children.
    const userRefs = (
      await db.selectFrom('vault_entries').select('ref').where('ref', 'like', `${ref}/%`).execute()
    )
      .map((r) => r.ref)
      .filter((r) => r.startsWith(`${ref}/`));
    await db
      .deleteFrom('vault_entries')
      .where('ref', 'in', [ref, ...userRefs])
      .execute();
  }

  /**
   * Moves every secret onto the primary (first configured) key. Safe to run while the relay
   * serves: each row is rewrapped in its own short transaction and old keys keep decrypting
   * until they are removed from RELAY_ENCRYPTION_KEYS.
   */
  async rotate(): Promise<{ rewrapped: number; total: number }> {
    const rows = await this.store.db
      .selectFrom('vault_entries')
      .select(['ref', 'key_id'])
      .execute();
    let rewrapped = 0;
    for (const { ref, key_id } of rows) {
      if (key_id === this.envelope.primaryKeyId) continue;
      await this.store.transaction(async (tx) => {
        const row = await tx
          .selectFrom('vault_entries')
          .select('ciphertext')
          .where('ref', '=', ref)
          .executeTakeFirst();
        if (!row) return;
        const ciphertext = this.envelope.rewrap(ref, row.ciphertext);
        await tx
          .updateTable('vault_entries')
          .set({ ciphertext, key_id: this.envelope.primaryKeyId, updated_at: this.clock.now() })
          .where('ref', '=', ref)
          .execute();
        rewrapped += 1;
      });
    }
    return { rewrapped, total: rows.length };
  }
}
