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
  'org_id' | 'name' | 'created_at' | 'allow_untemplated_comments' | 'identity'
>;

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
    })
    .onConflict((oc) => oc.columns(['org_id', 'name']).doUpdateSet(values))
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
