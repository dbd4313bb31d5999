import type { Kysely, Migration } from 'kysely';

/**
 * The audit outbox: every audit event waits here until Salesforce has acknowledged it. Rows are
 * never deleted by delivery (only after RELAY_OUTBOX_RETENTION_DAYS, or by `outbox
 * purge-delivered`), so an operator can always see what was sent and when.
 */
export const auditOutbox: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('audit_outbox')
      .addColumn('org_id', 'varchar(18)', (c) => c.notNull())
      .addColumn('request_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('operation', 'varchar(16)', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      // Not before this time: both the claim lease and the whole-call backoff move it forward.
      .addColumn('available_at', 'bigint', (c) => c.notNull())
      .addColumn('claim_token', 'varchar(36)')
      .addColumn('last_error', 'text')
      .addColumn('salesforce_id', 'varchar(18)')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addPrimaryKeyConstraint('audit_outbox_pk', ['org_id', 'request_id'])
      .execute();
    // The drainer's claim: due pending rows of one tenant, oldest first.
    await db.schema
      .createIndex('audit_outbox_due')
      .on('audit_outbox')
      .columns(['status', 'org_id', 'available_at', 'created_at'])
      .execute();
    await db.schema
      .createIndex('audit_outbox_status_created')
      .on('audit_outbox')
      .columns(['status', 'created_at'])
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('audit_outbox').ifExists().execute();
  },
};
