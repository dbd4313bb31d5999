import type { Kysely, Migration } from 'kysely';

/**
 * Issue #9/#10: each tenant's package namespace (for the audit write-back), the org a
 * registration code is bound to, and the hash of the browser secret an OAuth state is bound to.
 */
export const tenantNamespaceAndBindings: Migration = {
  async up(db: Kysely<unknown>) {
    // '' = no namespace (what every tenant had before this column).
    await db.schema
      .alterTable('tenants')
      .addColumn('namespace', 'varchar(15)', (c) => c.notNull().defaultTo(''))
      .execute();
    // null = a code created before codes were bound to an org: no longer accepted.
    await db.schema.alterTable('registration_codes').addColumn('org_id', 'varchar(18)').execute();
    await db.schema.alterTable('oauth_states').addColumn('browser_hash', 'varchar(64)').execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('oauth_states').dropColumn('browser_hash').execute();
    await db.schema.alterTable('registration_codes').dropColumn('org_id').execute();
    await db.schema.alterTable('tenants').dropColumn('namespace').execute();
  },
};
