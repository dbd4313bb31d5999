import type { Migration, MigrationProvider } from 'kysely';
import { foundation } from './001-foundation';

/**
 * Migrations in order. Names sort lexically and never change once released; add a new file
 * for every schema change.
 */
const migrations: Record<string, Migration> = {
  '001-foundation': foundation,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
