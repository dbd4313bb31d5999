import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuditRecorder, OperationCaller } from '../audit/audit-recorder';
import { userGrantSecretRef, type StoredCredentials } from '../jira/auth/credentials';
import { patAuth } from '../jira/auth/pat';
import type { JiraAccount } from '../jira/endpoints/platform';
import type { JiraClients } from '../jira/jira-client';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import { findConnection, listConnections } from '../store/connection-repository';
import type { ConnectionIdentity, ConnectionsTable, UserGrantsTable } from '../store/schema';
import type { Store } from '../store/store';
import {
  countUserGrants,
  deleteUserGrant,
  findUserGrant,
  listUserGrantsOfUser,
  saveUserGrant,
} from '../store/user-grant-repository';
import type { Vault } from '../vault/vault';
import { checkLiveAt } from './connection-service';
import { token } from './connection-input';

/**
 * A Salesforce user's own Jira identity on a connection (issue #16): Cloud users connect their
 * Atlassian account by OAuth 3LO (oauth-flow.ts, `startForUser`), Server/DC users save their
 * own personal access token. The credential is encrypted in the vault under the connection's
 * reference; nobody — the user included — is ever shown it again.
 */

/** PUT /v1/connections/{name}/me/token */
export const userTokenBody = z.strictObject({
  token,
  /** When the user set the token to expire (shown with the grant). */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type UserTokenInput = z.output<typeof userTokenBody>;

/** One user's grant as the contract shows it: metadata only. */
export interface UserGrantView {
  authMethod: UserGrantsTable['auth_method'];
  status: UserGrantsTable['status'];
  statusReason: string | null;
  account: Record<string, string>;
  scopes: string[];
  connectedAt: string;
  expiresAt: string | null;
  accessTokenExpiresAt: string | null;
}

/** GET /v1/connections/{name}/me */
export interface MyJiraView {
  connection: string;
  deployment: ConnectionsTable['deployment'];
  identity: ConnectionIdentity;
  /** How this user connects here: `oauth` (Cloud, …/me/oauth/start) or `pat` (Server/DC, …/me/token). */
  connectMethod: 'oauth' | 'pat';
  grant: UserGrantView | null;
  /** What an action by this user runs as now: their own account, the connection's, or refused. */
  actsAs: 'user' | 'service' | 'refused';
}

/** GET /v1/user-grants */
export interface UserGrantCounts {
  name: string;
  identity: ConnectionIdentity;
  connectedUsers: number;
  needsReauth: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function grantView(row: UserGrantsTable): UserGrantView {
  return {
    authMethod: row.auth_method,
    status: row.status,
    statusReason: row.status_reason,
    account: JSON.parse(row.account) as Record<string, string>,
    scopes: JSON.parse(row.scopes) as string[],
    connectedAt: new Date(row.connected_at).toISOString(),
    expiresAt: iso(row.expires_at),
    accessTokenExpiresAt: iso(row.access_expires_at),
  };
}

function actsAs(identity: ConnectionIdentity, grant: UserGrantsTable | undefined) {
  if (identity === 'service') return 'service';
  if (grant?.status === 'active') return 'user';
  return identity === 'require_user' ? 'refused' : 'service';
}

/** The user a /me route acts for; automation ("-") has no Jira account of its own. */
export function requireUser(context: OperationCaller): string {
  if (context.userId === '-') {
    throw new AppError(
      'VALIDATION_FAILED',
      'A Jira account is connected by a Salesforce user: X-Relay-User must name the user.',
      { fieldErrors: [{ field: 'header.x-relay-user', message: 'expected a user id' }] },
    );
  }
  return context.userId;
}

/** What an OAuth callback hands over to store a user's grant (tokens already exchanged). */
export interface UserOAuthGrant {
  credentials: Extract<StoredCredentials, { method: 'oauth' }>;
  account: JiraAccount;
  apiBase: string;
}

export interface UserGrantServiceDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  jira: JiraClients;
  auditRecorder?: AuditRecorder;
}

export class UserGrantService {
  constructor(private readonly deps: UserGrantServiceDeps) {}

  private async connection(orgId: string, name: string): Promise<ConnectionsTable> {
    const row = await findConnection(this.deps.store.db, orgId, name);
    if (!row) throw new AppError('CONNECTION_NOT_FOUND', `No Jira connection named "${name}".`);
    return row;
  }

  /** The user's own grant on a connection, and what their actions run as. */
  async status(context: OperationCaller, name: string): Promise<MyJiraView> {
    const userId = requireUser(context);
    const row = await this.connection(context.orgId, name);
    const grant = await findUserGrant(this.deps.store.db, context.orgId, name, userId);
    return {
      connection: name,
      deployment: row.deployment,
      identity: row.identity,
      connectMethod: row.deployment === 'cloud' ? 'oauth' : 'pat',
      grant: grant ? grantView(grant) : null,
      actsAs: actsAs(row.identity, grant),
    };
  }

  /**
   * Refuses a user's connect where it cannot serve: a connection that only ever acts as its
   * own account, or the other deployment's method.
   */
  async checkConnectable(
    context: OperationCaller,
    name: string,
    method: 'oauth' | 'pat',
  ): Promise<ConnectionsTable> {
    requireUser(context);
    const row = await this.connection(context.orgId, name);
    if (row.identity === 'service') {
      throw new AppError(
        'VALIDATION_FAILED',
        `Connection "${name}" acts in Jira only as its own account; an admin allows users' own Jira accounts first (identity prefer_user or require_user).`,
        { fieldErrors: [{ field: 'identity', message: 'is service' }] },
      );
    }
    const expected = row.deployment === 'cloud' ? 'oauth' : 'pat';
    if (method !== expected) {
      throw new AppError(
        'VALIDATION_FAILED',
        row.deployment === 'cloud'
          ? `Connection "${name}" is Jira Cloud: connect your Atlassian account with POST /v1/connections/${name}/me/oauth/start.`
          : `Connection "${name}" is Jira Server/Data Center: save your personal access token with PUT /v1/connections/${name}/me/token.`,
        { fieldErrors: [{ field: 'deployment', message: `is ${row.deployment}` }] },
      );
    }
    return row;
  }

  /** Server/DC: the user's own PAT, tried with serverInfo and myself before it is stored. */
  async saveToken(
    context: OperationCaller,
    name: string,
    input: UserTokenInput,
  ): Promise<MyJiraView> {
    const started = this.deps.clock.now();
    try {
      const row = await this.checkConnectable(context, name, 'pat');
      let account: JiraAccount;
      try {
        ({ account } = await checkLiveAt(this.deps.jira, {
          deployment: 'server',
          apiBase: row.base_url,
          siteUrl: row.site_url ?? row.base_url,
          auth: patAuth({ token: input.token }),
          trustedHost: false,
        }));
      } catch (error) {
        if (error instanceof AppError && error.code === 'JIRA_UNAUTHORIZED') {
          throw new AppError(
            'VALIDATION_FAILED',
            'Jira did not accept this personal access token. Create a new one in Jira (Profile → Personal Access Tokens) and paste it exactly.',
            { fieldErrors: [{ field: 'token', message: 'refused by Jira' }], cause: error },
          );
        }
        throw error;
      }
      await this.store(
        context,
        name,
        { method: 'pat', token: input.token },
        {
          auth_method: 'pat',
          account: JSON.stringify(account),
          scopes: '[]',
          api_base: null,
          expires_at: input.expiresAt ? Date.parse(input.expiresAt) : null,
          access_expires_at: null,
        },
      );
      await this.audit(context, 'Connect', name, started);
      return this.status(context, name);
    } catch (error) {
      await this.audit(context, 'Connect', name, started, error);
      throw error;
    }
  }

  /** Cloud: stores the grant an OAuth callback completed for the user. */
  async saveOAuthGrant(
    context: OperationCaller,
    name: string,
    grant: UserOAuthGrant,
  ): Promise<void> {
    const started = this.deps.clock.now();
    await this.store(context, name, grant.credentials, {
      auth_method: 'oauth',
      account: JSON.stringify(grant.account),
      scopes: JSON.stringify(grant.credentials.scopes),
      api_base: grant.apiBase,
      expires_at: null,
      access_expires_at: grant.credentials.accessTokenExpiresAt,
    });
    await this.audit(context, 'Connect', name, started);
  }

  /** A user's own connect that failed after they consented (Cloud OAuth callback). */
  async auditFailedConnect(
    context: OperationCaller,
    name: string,
    started: number,
    error: unknown,
  ): Promise<void> {
    await this.audit(context, 'Connect', name, started, error);
  }

  private async store(
    context: OperationCaller,
    name: string,
    credentials: StoredCredentials,
    values: Pick<
      UserGrantsTable,
      'auth_method' | 'account' | 'scopes' | 'api_base' | 'expires_at' | 'access_expires_at'
    >,
  ): Promise<void> {
    const { store, vault, jira, clock } = this.deps;
    const userId = requireUser(context);
    const ref = userGrantSecretRef(context.orgId, name, userId);
    const now = clock.now();
    await store.transaction(async (tx) => {
      await vault.put(ref, JSON.stringify(credentials), tx);
      await saveUserGrant(tx, context.orgId, name, userId, {
        ...values,
        status: 'active',
        status_reason: null,
        secret_ref: ref,
        connected_at: now,
        updated_at: now,
      });
    });
    await jira.forgetUser(context.orgId, name, userId);
  }

  /** The user disconnects their own account: grant and credential go; nothing else changes. */
  async disconnect(context: OperationCaller, name: string): Promise<void> {
    const started = this.deps.clock.now();
    const userId = requireUser(context);
    const removed = await this.remove(context.orgId, name, userId);
    if (removed) await this.audit(context, 'Disconnect', name, started);
  }

  /** Offboarding: every grant of one Salesforce user in the tenant goes. */
  async revokeUser(context: OperationCaller, userId: string): Promise<string[]> {
    const started = this.deps.clock.now();
    const grants = await listUserGrantsOfUser(this.deps.store.db, context.orgId, userId);
    const revoked: string[] = [];
    for (const grant of grants) {
      if (await this.remove(context.orgId, grant.connection_name, userId)) {
        revoked.push(grant.connection_name);
        // One event per connection: `<request id>:<n>`, as a bulk create's.
        await this.audit(context, 'Disconnect', grant.connection_name, started, undefined, {
          subjectUserId: userId,
          part: String(revoked.length),
        });
      }
    }
    return revoked;
  }

  private async remove(orgId: string, name: string, userId: string): Promise<boolean> {
    const { store, vault, jira } = this.deps;
    const removed = await store.transaction(async (tx) => {
      await vault.delete(userGrantSecretRef(orgId, name, userId), tx);
      return deleteUserGrant(tx, orgId, name, userId);
    });
    await jira.forgetUser(orgId, name, userId);
    return removed;
  }

  /** Per connection of the tenant: its identity setting and how many users connected. */
  async counts(orgId: string): Promise<UserGrantCounts[]> {
    const [connections, counts] = await Promise.all([
      listConnections(this.deps.store.db, orgId),
      countUserGrants(this.deps.store.db, orgId),
    ]);
    return connections.map((row) => {
      const of = counts.filter((c) => c.connectionName === row.name);
      return {
        name: row.name,
        identity: row.identity,
        connectedUsers: of.reduce((sum, c) => sum + c.count, 0),
        needsReauth: of.find((c) => c.status === 'needs_reauth')?.count ?? 0,
      };
    });
  }

  /**
   * Connect/Disconnect of a user's own account, audited with identity `user`; the user whose
   * grant an admin revoked is named as the event's record.
   */
  private async audit(
    context: OperationCaller,
    operation: 'Connect' | 'Disconnect',
    connection: string,
    started: number,
    error?: unknown,
    revocation?: { subjectUserId: string; part: string },
  ): Promise<void> {
    const recorder = this.deps.auditRecorder;
    if (!recorder) return;
    await recorder.record(
      recorder.event(
        context,
        operation,
        {
          connection,
          identity: 'user',
          ...(revocation ? { recordId: revocation.subjectUserId } : {}),
        },
        started,
        error,
        revocation?.part,
      ),
    );
  }
}
