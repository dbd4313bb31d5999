import type { Kysely, Migration } from 'kysely';

/**
 * Issue #16: a Salesforce user's own Jira grant per connection (Cloud: their OAuth 3LO grant;
 * Server/DC: their personal access token), and the connection setting that decides whether
 * actions use it. The credential itself is in the vault (`connection/<org>/<name>/user/<id>`);
 * the row holds metadata only.
 */
export const userGrants: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('user_grants')
      .addColumn('org_id', 'varchar(18)', (c) =>
        c.notNull().references('tenants.org_id').onDelete('cascade'),
      )
      .addColumn('connection_name', 'varchar(80)', (c) => c.notNull())
      .addColumn('user_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('auth_method', 'varchar(16)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('status_reason', 'varchar(255)')
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('secret_ref', 'varchar(255)', (c) => c.notNull())
      .addColumn('api_base', 'varchar(2048)')
      .addColumn('connected_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addColumn('access_expires_at', 'bigint')
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_grants_pk', ['org_id', 'connection_name', 'user_id'])
      .execute();
    await db.schema
      .createIndex('user_grants_user')
      .on('user_grants')
      .columns(['org_id', 'user_id'])
      .execute();
    // 'service' | 'prefer_user' | 'require_user'
    await db.schema
      .alterTable('connections')
      .addColumn('identity', 'varchar(16)', (c) => c.notNull().defaultTo('service'))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('connections').dropColumn('identity').execute();
    await db.schema.dropTable('user_grants').ifExists().execute();
  },
};
