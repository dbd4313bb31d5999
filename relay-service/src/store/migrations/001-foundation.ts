import type { Kysely, Migration } from 'kysely';

export const foundation: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('tenants')
      .addColumn('org_id', 'varchar(18)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(255)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('sf_auth_ref', 'varchar(255)')
      .addColumn('audit_views', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('tenant_secrets')
      .addColumn('org_id', 'varchar(18)', (c) =>
        c.notNull().references('tenants.org_id').onDelete('cascade'),
      )
      .addColumn('slot', 'varchar(16)', (c) => c.notNull())
      .addColumn('vault_ref', 'varchar(255)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint')
      .addPrimaryKeyConstraint('tenant_secrets_pk', ['org_id', 'slot'])
      .execute();

    await db.schema
      .createTable('vault_entries')
      .addColumn('ref', 'varchar(255)', (c) => c.primaryKey())
      .addColumn('key_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('ciphertext', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('vault_entries_key_id')
      .on('vault_entries')
      .column('key_id')
      .execute();

    await db.schema
      .createTable('replay_nonces')
      .addColumn('org_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('nonce', 'varchar(64)', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('replay_nonces_pk', ['org_id', 'nonce'])
      .execute();
    await db.schema
      .createIndex('replay_nonces_expires_at')
      .on('replay_nonces')
      .column('expires_at')
      .execute();

    await db.schema
      .createTable('registration_codes')
      .addColumn('code_hash', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addColumn('used_at', 'bigint')
      .addColumn('used_by_org', 'varchar(18)')
      .addColumn('note', 'varchar(255)')
      .execute();

    await db.schema
      .createTable('connections')
      .addColumn('org_id', 'varchar(18)', (c) =>
        c.notNull().references('tenants.org_id').onDelete('cascade'),
      )
      .addColumn('name', 'varchar(80)', (c) => c.notNull())
      .addColumn('deployment', 'varchar(16)', (c) => c.notNull())
      .addColumn('base_url', 'varchar(2048)', (c) => c.notNull())
      .addColumn('auth_method', 'varchar(16)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('scopes', 'text', (c) => c.notNull())
      .addColumn('account', 'text')
      .addColumn('warnings', 'text', (c) => c.notNull())
      .addColumn('secret_ref', 'varchar(255)')
      .addColumn('cloud_id', 'varchar(64)')
      .addColumn('site_url', 'varchar(2048)')
      .addColumn('connected_by', 'varchar(18)')
      .addColumn('connected_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('connections_pk', ['org_id', 'name'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    for (const table of [
      'connections',
      'registration_codes',
      'replay_nonces',
      'vault_entries',
      'tenant_secrets',
      'tenants',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
