import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  sql,
  type SqliteDatabase,
  type Transaction,
} from 'kysely';
import type pg from 'pg';
import type { StoreLocation } from '../config/config';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

export type Engine = StoreLocation['engine'];
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;

/**
 * One store, two engines. Everything shared between relay instances goes through here, so the
 * instances themselves stay stateless. Code outside src/store speaks Kysely only; the engine
 * name is exposed for the few statements that really differ (row locks).
 */
export interface Store {
  readonly engine: Engine;
  readonly db: Db;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `hook` first when the store closes (what holds a connection of its own to it). */
  atClose(hook: () => Promise<void>): void;
  close(): Promise<void>;
}

/*
 * Each engine's driver is loaded when a store of that engine opens: a relay on SQLite never
 * carries `pg` (~14 MB resident), one on PostgreSQL never loads the native SQLite addon. A lazy
 * require, not import(): the relay compiles to CommonJS and Jest runs it without ESM.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const loadBetterSqlite3 = () => require('better-sqlite3') as typeof BetterSqlite3;
const loadPg = () => require('pg') as typeof pg;
/* eslint-enable @typescript-eslint/no-require-imports */

// int8 columns hold epoch milliseconds, well inside Number's exact range.
function pgTypes(driver: typeof pg): pg.CustomTypesConfig {
  return {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === driver.types.builtins.INT8
        ? (value: string) => Number(value)
        : driver.types.getTypeParser(oid, format),
  } as pg.CustomTypesConfig;
}

/**
 * better-sqlite3 compiles a statement on every prepare(), and Kysely prepares on every query;
 * caching by SQL text removes the largest cost of small queries. Statements are only run to
 * completion (never iterated), so sharing them is safe.
 */
function withStatementCache(database: BetterSqlite3.Database, limit = 500): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        if (statements.size >= limit) statements.delete(statements.keys().next().value as string);
        statement = database.prepare(sqlText);
        statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}

function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const Sqlite = loadBetterSqlite3();
  const database = new Sqlite(file);
  database.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last
  // transactions, which is the usual trade for a single-node embedded store.
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(database) }),
  });
}

export interface StoreOptions {
  /**
   * A pooled PostgreSQL connection failed outside a query (the server restarted, a network
   * cut). The pool drops it when it is idle or next released and opens a new one for the next
   * query; this only reports it.
   */
  onConnectionError?: (error: Error) => void;
}

function openPostgres(url: string, options: StoreOptions): Db {
  const driver = loadPg();
  const pool = new driver.Pool({ connectionString: url, max: 10, types: pgTypes(driver) });
  // An 'error' event without a listener throws and ends the process. A client emits one when
  // its server goes away between queries, also while it is checked out (a transaction waiting
  // on Jira); the pool re-emits it for idle clients, which the client's listener already saw.
  pool.on('connect', (client) => {
    client.on('error', (error) => options.onConnectionError?.(error));
  });
  pool.on('error', () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

export function openStore(location: StoreLocation, options: StoreOptions = {}): Store {
  const db =
    location.engine === 'sqlite' ? openSqlite(location.path) : openPostgres(location.url, options);
  let closed = false;
  const closeHooks: (() => Promise<void>)[] = [];
  return {
    engine: location.engine,
    db,
    async migrate() {
      // Parallel branches add migrations with their own numbers; order among them does not matter.
      const migrator = new Migrator({
        db,
        provider: migrationProvider,
        allowUnorderedMigrations: true,
      });
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((result) => result.status === 'Error');
      if (error || failed) {
        throw new Error(`Store migration ${failed?.migrationName ?? ''} failed`, { cause: error });
      }
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    transaction(work) {
      return db.transaction().execute(work);
    },
    atClose(hook) {
      closeHooks.push(hook);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const hook of closeHooks) await hook();
      await db.destroy();
    },
  };
}
