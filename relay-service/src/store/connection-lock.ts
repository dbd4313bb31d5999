import { sql } from 'kysely';
import type { Db, Store } from './store';

/**
 * What a holder of a connection's lock may do: read through `db` (sees the latest committed
 * state) and write through `write`, which commits atomically before the lock is released.
 */
export interface LockedScope {
  db: Db;
  write<T>(work: (db: Db) => Promise<T>): Promise<T>;
}

// SQLite runs in one process: a promise chain per key serialises holders without keeping the
// single database connection busy while the holder waits on the network.
const sqliteQueues = new Map<string, Promise<unknown>>();

async function withProcessMutex<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = sqliteQueues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const current = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => current);
  sqliteQueues.set(key, tail);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (sqliteQueues.get(key) === tail) sqliteQueues.delete(key);
  }
}

/**
 * A SQLite write transaction that takes the write lock when it begins. SQLite's default (deferred)
 * transaction upgrades its lock on the first write, which can fail with SQLITE_BUSY between
 * processes sharing the file; `begin immediate` waits on busy_timeout instead.
 */
async function immediateTransaction<T>(store: Store, work: (db: Db) => Promise<T>): Promise<T> {
  return store.db.connection().execute(async (connection) => {
    await sql`begin immediate`.execute(connection);
    try {
      const result = await work(connection);
      await sql`commit`.execute(connection);
      return result;
    } catch (error) {
      await sql`rollback`.execute(connection);
      throw error;
    }
  });
}

/**
 * Serialises work on one connection across every relay instance sharing the store: PostgreSQL
 * locks the connection's row for the length of a transaction (other instances block on it);
 * SQLite, which only one process serves, uses an in-process mutex and commits writes in an
 * immediate transaction. Used for OAuth refresh, where two concurrent refreshers would burn a
 * rotating refresh token.
 */
export async function withConnectionLock<T>(
  store: Store,
  orgId: string,
  connectionName: string,
  work: (scope: LockedScope) => Promise<T>,
): Promise<T> {
  if (store.engine === 'postgres') {
    return store.transaction(async (tx) => {
      // The advisory lock also covers a connection whose row does not exist yet.
      await sql`select pg_advisory_xact_lock(hashtextextended(${`connection:${orgId}:${connectionName}`}, 0))`.execute(
        tx,
      );
      return work({ db: tx, write: (fn) => fn(tx) });
    });
  }
  return withProcessMutex(`${orgId}\u0000${connectionName}`, () =>
    work({ db: store.db, write: (fn) => immediateTransaction(store, fn) }),
  );
}
