import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { StoreLocation } from '../../src/config/config';

const ALL_ENGINES = ['sqlite', 'postgres'] as const;
export type TestEngine = (typeof ALL_ENGINES)[number];

/**
 * The engines the store-parametrised tests run on: both, unless PHAROS_TEST_ENGINES names a
 * comma-separated subset. Mutation testing sets it to `sqlite` for the modules whose code has no
 * engine-specific branch, so each mutant does not pay for a PostgreSQL database (modules.ts).
 */
export const ENGINES: readonly TestEngine[] = enginesOf(process.env.PHAROS_TEST_ENGINES);

function enginesOf(setting: string | undefined): readonly TestEngine[] {
  if (setting === undefined || setting.trim() === '') return ALL_ENGINES;
  const names = setting.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(ALL_ENGINES as readonly string[]).includes(name));
  if (unknown.length)
    throw new Error(`PHAROS_TEST_ENGINES: unknown engine ${unknown.join(', ')} (sqlite, postgres)`);
  return ALL_ENGINES.filter((engine) => names.includes(engine));
}

export function tempDir(prefix = 'pharos-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

function postgresAdminUrl(): string {
  const url = process.env.PHAROS_TEST_PG_URL;
  if (!url)
    throw new Error(
      'PHAROS_TEST_PG_URL is not set: the relay test project starts PostgreSQL in its globalSetup',
    );
  return url;
}

/** A fresh, empty database on the test PostgreSQL server. */
export async function freshPostgresUrl(): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: postgresAdminUrl() });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(postgresAdminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh store location: a new SQLite file in a temp folder, or a new PostgreSQL database. */
export async function freshStoreLocation(engine: TestEngine): Promise<StoreLocation> {
  return engine === 'sqlite'
    ? { engine: 'sqlite', path: path.join(tempDir(), 'relay.db') }
    : { engine: 'postgres', url: await freshPostgresUrl() };
}

export function databaseUrlOf(location: StoreLocation): string {
  return location.engine === 'sqlite' ? `sqlite:${location.path}` : location.url;
}
