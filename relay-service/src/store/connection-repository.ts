import type { Updateable } from 'kysely';
import type { ConnectionsTable } from './schema';
import type { Db } from './store';

/**
 * The one module that reads and writes the `connections` table (the architecture test holds
 * every other module to that). Each function takes the `Db` to use, so a caller inside a
 * transaction or a connection lock passes its own.
 */

/** The columns a save writes; the key and creation time are the repository's to set. */
export type ConnectionValues = Omit<
  ConnectionsTable,
  'org_id' | 'name' | 'created_at' | 'allow_untemplated_comments' | 'identity' | ActivityColumn
>;

/** What the relay learnt about a connection's use; a save of new credentials starts it afresh. */
type ActivityColumn = 'refreshed_at' | 'last_success_at' | 'last_error_code' | 'last_error_at';

const NO_ACTIVITY: Pick<ConnectionsTable, ActivityColumn> = {
  refreshed_at: null,
  last_success_at: null,
  last_error_code: null,
  last_error_at: null,
};

export type ConnectionChanges = Omit<Updateable<ConnectionsTable>, 'org_id' | 'name'>;

export function findConnection(
  db: Db,
  orgId: string,
  name: string,
): Promise<ConnectionsTable | undefined> {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .executeTakeFirst();
}

/** A tenant's connections, by name. */
export function listConnections(db: Db, orgId: string): Promise<ConnectionsTable[]> {
  return db
    .selectFrom('connections')
    .selectAll()
    .where('org_id', '=', orgId)
    .orderBy('name')
    .execute();
}

/**
 * Writes a connection row (its settings kept when it exists, the default for a new one) and
 * reads it back.
 */
export async function saveConnection(
  db: Db,
  orgId: string,
  name: string,
  values: ConnectionValues,
  now: number,
): Promise<ConnectionsTable> {
  await db
    .insertInto('connections')
    .values({
      org_id: orgId,
      name,
      created_at: now,
      allow_untemplated_comments: 1,
      identity: 'service',
      ...values,
      ...NO_ACTIVITY,
    })
    .onConflict((oc) => oc.columns(['org_id', 'name']).doUpdateSet({ ...values, ...NO_ACTIVITY }))
    .execute();
  return (await findConnection(db, orgId, name)) as ConnectionsTable;
}

/**
 * Changes columns of one connection; nothing happens when it does not exist, or when its
 * status is `unlessStatus` (a decision made elsewhere that this change must not undo).
 */
export async function updateConnection(
  db: Db,
  orgId: string,
  name: string,
  changes: ConnectionChanges,
  options: { unlessStatus?: ConnectionsTable['status'] } = {},
): Promise<void> {
  let query = db
    .updateTable('connections')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('name', '=', name);
  if (options.unlessStatus !== undefined) query = query.where('status', '!=', options.unlessStatus);
  await query.execute();
}

export async function deleteConnection(db: Db, orgId: string, name: string): Promise<void> {
  await db.deleteFrom('connections').where('org_id', '=', orgId).where('name', '=', name).execute();
}

/** A connection's last working and last failed Jira call, as one instance saw them. */
export interface ConnectionActivityValues {
  lastSuccessAt: number | null;
  lastError: { code: string; at: number } | null;
}

/**
 * Writes what an instance saw of a connection's calls, only ever moving the times forward:
 * another instance may have written a later call already.
 */
export async function recordConnectionActivity(
  db: Db,
  orgId: string,
  name: string,
  activity: ConnectionActivityValues,
): Promise<void> {
  const { lastSuccessAt, lastError } = activity;
  if (lastSuccessAt !== null) {
    await db
      .updateTable('connections')
      .set({ last_success_at: lastSuccessAt })
      .where('org_id', '=', orgId)
      .where('name', '=', name)
      .where((eb) =>
        eb.or([eb('last_success_at', 'is', null), eb('last_success_at', '<', lastSuccessAt)]),
      )
      .execute();
  }
  if (lastError !== null) {
    await db
      .updateTable('connections')
      .set({ last_error_code: lastError.code, last_error_at: lastError.at })
      .where('org_id', '=', orgId)
      .where('name', '=', name)
      .where((eb) =>
        eb.or([eb('last_error_at', 'is', null), eb('last_error_at', '<', lastError.at)]),
      )
      .execute();
  }
}
