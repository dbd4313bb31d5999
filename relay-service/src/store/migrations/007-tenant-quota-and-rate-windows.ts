import type { Kysely, Migration } from 'kysely';

/**
 * Issue #13: each tenant's weight in the Atlassian app quota, and the per-tenant per-minute
 * counters that hold the inbound rate limit across every relay instance on PostgreSQL.
 */
export const tenantQuotaAndRateWindows: Migration = {
  async up(db: Kysely<unknown>) {
    // 1 = an equal share (what every tenant had before this column).
    await db.schema
      .alterTable('tenants')
      .addColumn('quota_weight', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
    await db.schema
      .createTable('tenant_rate_windows')
      .addColumn('org_id', 'varchar(18)', (c) => c.notNull())
      // Epoch minute the window starts at.
      .addColumn('window_start', 'bigint', (c) => c.notNull())
      .addColumn('used', 'integer', (c) => c.notNull())
      // What the last claim was granted (computed from the row as it was before the claim).
      .addColumn('last_grant', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('tenant_rate_windows_pk', ['org_id', 'window_start'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('tenant_rate_windows').ifExists().execute();
    await db.schema.alterTable('tenants').dropColumn('quota_weight').execute();
  },
};
