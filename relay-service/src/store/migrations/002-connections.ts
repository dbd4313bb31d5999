import type { Kysely, Migration } from 'kysely';

/**
 * OAuth authorization states and site picks (single-use, hashed, short-lived) and the reason a
 * connection left the active state.
 */
export const connections: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('oauth_states')
      .addColumn('state_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('org_id', 'varchar(18)', (c) =>
        c.notNull().references('tenants.org_id').onDelete('cascade'),
      )
      .addColumn('connection_name', 'varchar(80)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('return_url', 'varchar(2048)')
      .addColumn('sites', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .execute();
    await db.schema
      .createIndex('oauth_states_expires_at')
      .on('oauth_states')
      .column('expires_at')
      .execute();

    await db.schema.alterTable('connections').addColumn('status_reason', 'varchar(255)').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('connections').dropColumn('status_reason').execute();
    await db.schema.dropTable('oauth_states').ifExists().execute();
  },
};
