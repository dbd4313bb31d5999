import type { Kysely, Migration } from 'kysely';

export const connectionSettings: Migration = {
  async up(db: Kysely<unknown>) {
    // 1 = people may comment on issues linked without a template (the default before this column).
    await db.schema
      .alterTable('connections')
      .addColumn('allow_untemplated_comments', 'integer', (c) => c.notNull().defaultTo(1))
      .execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.alterTable('connections').dropColumn('allow_untemplated_comments').execute();
  },
};
