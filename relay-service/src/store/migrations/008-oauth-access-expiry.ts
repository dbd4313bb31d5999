import type { Kysely, Migration } from 'kysely';

/**
 * Issue #12: when an OAuth connection's access token expires, shown with the connection next
 * to `expires_at` (for Jira Data Center OAuth: the refresh token's horizon).
 */
export const oauthAccessExpiry: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('connections').addColumn('access_expires_at', 'bigint').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('connections').dropColumn('access_expires_at').execute();
  },
};
