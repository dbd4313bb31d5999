import type { Kysely, Migration } from 'kysely';

/**
 * Issue #16 (health before failure): when an OAuth grant was last refreshed (Atlassian lets a
 * refresh token lapse after 90 days without use), and the connection's last successful and
 * last failed Jira call, so every instance sees what the others saw. The relay writes the
 * last two at most once a minute per connection, or when the connection turns from working to
 * failing or back (jira/connection-activity.ts), never once per request.
 */
const COLUMNS = [
  ['refreshed_at', 'bigint'],
  ['last_success_at', 'bigint'],
  ['last_error_code', 'varchar(64)'],
  ['last_error_at', 'bigint'],
] as const;

export const connectionHealth: Migration = {
  async up(db: Kysely<unknown>) {
    // One column per statement: SQLite adds a single column per ALTER TABLE.
    for (const [name, type] of COLUMNS)
      await db.schema.alterTable('connections').addColumn(name, type).execute();
  },
  async down(db: Kysely<unknown>) {
    for (const [name] of COLUMNS)
      await db.schema.alterTable('connections').dropColumn(name).execute();
  },
};
