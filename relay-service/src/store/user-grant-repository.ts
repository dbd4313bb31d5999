import type { Updateable } from 'kysely';
import type { UserGrantsTable } from './schema';
import type { Db } from './store';

/**
 * The one module that reads and writes the `user_grants` table (the architecture test holds
 * every other module to that): a Salesforce user's own Jira grant per connection. Rows carry
 * metadata only; the credential is in the vault.
 */

export type UserGrantValues = Omit<UserGrantsTable, 'org_id' | 'connection_name' | 'user_id'>;
export type UserGrantChanges = Omit<
  Updateable<UserGrantsTable>,
  'org_id' | 'connection_name' | 'user_id'
>;

export function findUserGrant(
  db: Db,
  orgId: string,
  connectionName: string,
  userId: string,
): Promise<UserGrantsTable | undefined> {
  return db
    .selectFrom('user_grants')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('connection_name', '=', connectionName)
    .where('user_id', '=', userId)
    .executeTakeFirst();
}

/** Writes (or replaces) one user's grant row and reads it back. */
export async function saveUserGrant(
  db: Db,
  orgId: string,
  connectionName: string,
  userId: string,
  values: UserGrantValues,
): Promise<UserGrantsTable> {
  await db
    .insertInto('user_grants')
    .values({ org_id: orgId, connection_name: connectionName, user_id: userId, ...values })
    .onConflict((oc) => oc.columns(['org_id', 'connection_name', 'user_id']).doUpdateSet(values))
    .execute();
  return (await findUserGrant(db, orgId, connectionName, userId)) as UserGrantsTable;
}

export async function updateUserGrant(
  db: Db,
  orgId: string,
  connectionName: string,
  userId: string,
  changes: UserGrantChanges,
): Promise<void> {
  await db
    .updateTable('user_grants')
    .set(changes)
    .where('org_id', '=', orgId)
    .where('connection_name', '=', connectionName)
    .where('user_id', '=', userId)
    .execute();
}

/** Deletes one user's grant row; answers whether there was one. */
export async function deleteUserGrant(
  db: Db,
  orgId: string,
  connectionName: string,
  userId: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('user_grants')
    .where('org_id', '=', orgId)
    .where('connection_name', '=', connectionName)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Every grant of one Salesforce user in the tenant (offboarding). */
export function listUserGrantsOfUser(
  db: Db,
  orgId: string,
  userId: string,
): Promise<UserGrantsTable[]> {
  return db
    .selectFrom('user_grants')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .orderBy('connection_name')
    .execute();
}

/** Deletes every grant row of a connection (the connection is being deleted). */
export async function deleteUserGrantsOfConnection(
  db: Db,
  orgId: string,
  connectionName: string,
): Promise<void> {
  await db
    .deleteFrom('user_grants')
    .where('org_id', '=', orgId)
    .where('connection_name', '=', connectionName)
    .execute();
}

/** Per connection: how many users have a grant, and how many of those need re-authorization. */
export async function countUserGrants(
  db: Db,
  orgId: string,
): Promise<{ connectionName: string; status: UserGrantsTable['status']; count: number }[]> {
  const rows = await db
    .selectFrom('user_grants')
    .select(['connection_name', 'status', db.fn.countAll<number | string>().as('count')])
    .where('org_id', '=', orgId)
    .groupBy(['connection_name', 'status'])
    .execute();
  return rows.map((row) => ({
    connectionName: row.connection_name,
    status: row.status,
    count: Number(row.count),
  }));
}
