import { AppError } from '../../lib/errors';
import { findUserGrant, updateUserGrant } from '../../store/user-grant-repository';
import type { Db } from '../../store/store';
import { userGrantSecretRef } from '../auth/credentials';
import type { OAuthGrantHolder } from './oauth-token-state';

/**
 * The answer when an action must run as the user and cannot: no grant, or one that needs a new
 * consent. The record page shows "connect your Jira account" on this code.
 */
export function userNotConnected(
  connectionName: string,
  userGrantStatus: 'none' | 'needs_reauth',
): AppError {
  const what =
    userGrantStatus === 'none'
      ? `Connection "${connectionName}" acts in Jira only as the user, and your Jira account is not connected.`
      : `Your Jira account on connection "${connectionName}" must be connected again (its authorization expired or was revoked).`;
  return new AppError(
    'JIRA_USER_NOT_CONNECTED',
    `${what} Connect your Jira account ("Act as me in Jira") and try again.`,
    { extra: { connection: connectionName, userGrantStatus } },
  );
}

/** Marks one user's grant unusable until they consent again; other users are untouched. */
export async function markUserGrantNeedsReauth(
  db: Db,
  orgId: string,
  connectionName: string,
  userId: string,
  reason: string,
  now: number,
): Promise<void> {
  await updateUserGrant(db, orgId, connectionName, userId, {
    status: 'needs_reauth',
    status_reason: reason.slice(0, 255),
    updated_at: now,
  });
}

/** One Salesforce user's OAuth grant on a connection, for the shared refresh machinery. */
export function userGrantHolder(
  orgId: string,
  connectionName: string,
  userId: string,
): OAuthGrantHolder {
  return {
    ref: userGrantSecretRef(orgId, connectionName, userId),
    // Connection names hold no "/": this never names another connection's lock.
    lockName: `${connectionName}/user/${userId}`,
    async unusable(db) {
      const row = await findUserGrant(db, orgId, connectionName, userId);
      if (!row || row.auth_method !== 'oauth') return 'the grant was disconnected';
      return row.status === 'needs_reauth' ? 'the grant was revoked earlier' : undefined;
    },
    markNeedsReauth: (db, reason, now) =>
      markUserGrantNeedsReauth(db, orgId, connectionName, userId, reason, now),
    async recordRefresh(db, next) {
      await updateUserGrant(db, orgId, connectionName, userId, {
        scopes: JSON.stringify(next.scopes),
        access_expires_at: next.accessTokenExpiresAt,
      });
    },
    needsReauth: () => userNotConnected(connectionName, 'needs_reauth'),
  };
}
