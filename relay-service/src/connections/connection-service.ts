import type { Logger } from 'pino';
import type { AuditRecorder, OperationCaller } from '../audit/audit-recorder';
import {
  connectionOAuthClientRef,
  connectionSecretRef,
  pkceVerifierRef,
  type StoredCredentials,
} from '../jira/auth/credentials';
import { authStrategyFor } from '../jira/auth';
import type { Deployment, JiraApi, JiraClients, ProbeInput } from '../jira/jira-client';
import { jiraUnreachable } from '../jira/jira-errors';
import {
  myself,
  serverInfo,
  type JiraAccount,
  type JiraServerInfo,
} from '../jira/endpoints/platform';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import { UpstreamUnresolvedError, type UpstreamGuard } from '../lib/upstream-guard';
import {
  deleteConnection,
  findConnection,
  listConnections,
  saveConnection,
  updateConnection,
} from '../store/connection-repository';
import type { ConnectionIdentity, ConnectionsTable } from '../store/schema';
import { deleteUserGrantsOfConnection } from '../store/user-grant-repository';
import type { Db, Store } from '../store/store';
import type { Vault } from '../vault/vault';
import type { DataCenterClient } from '../jira/oauth/datacenter-oauth';
import type { ConnectionSettingsInput, PutConnectionInput } from './connection-input';

/** A connection as the contract shows it: metadata only, never a secret. */
export interface ConnectionView {
  name: string;
  deployment: 'cloud' | 'server';
  baseUrl: string;
  authMethod: ConnectionsTable['auth_method'];
  status: ConnectionsTable['status'];
  /** Why the status is not active, when known. */
  statusReason: string | null;
  scopes: string[];
  account: Record<string, string> | null;
  connectedBy: string | null;
  connectedAt: string | null;
  /**
   * When the credential lapses: an admin-given token expiry, or for Jira Data Center OAuth the
   * refresh token's horizon (moved on by every refresh).
   */
  expiresAt: string | null;
  /** OAuth: when the current access token expires (the relay refreshes it before). */
  accessTokenExpiresAt: string | null;
  warnings: string[];
  /** Whether people may comment on issues linked without a template (a template always decides its own). */
  allowCommentsWithoutTemplate: boolean;
  /**
   * Whose Jira account actions use (issue #16): `service` the connection's; `prefer_user` the
   * acting user's own when connected, else the connection's; `require_user` only the user's.
   */
  identity: ConnectionIdentity;
}

/** Warn this long before an admin-given token expiry. */
export const EXPIRY_WARNING_MS = 14 * 24 * 3600 * 1000;

export const BASIC_DEPRECATION_WARNING =
  'Username and password authentication is deprecated: switch this connection to a personal access token.';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Warnings that depend on time are computed when the connection is shown, not when saved. */
function expiryWarnings(row: ConnectionsTable, now: number): string[] {
  if (row.expires_at === null) return [];
  const when = new Date(row.expires_at).toISOString().slice(0, 10);
  if (row.auth_method === 'oauth') {
    // Every refresh moves the horizon on: only a connection nobody uses lapses.
    if (row.expires_at <= now)
      return [`The Jira authorization lapsed on ${when}; an admin connects it again.`];
    if (row.expires_at - now <= EXPIRY_WARNING_MS)
      return [
        `The Jira authorization lapses on ${when} unless the connection is used before; otherwise an admin connects it again.`,
      ];
    return [];
  }
  const what = row.auth_method === 'pat' ? 'personal access token' : 'API token';
  if (row.expires_at <= now)
    return [`The ${what} expired on ${when}; create a new one and update the connection.`];
  if (row.expires_at - now <= EXPIRY_WARNING_MS)
    return [
      `The ${what} expires on ${when}; create a new one and update the connection before then.`,
    ];
  return [];
}

function toConnectionView(row: ConnectionsTable, now: number): ConnectionView {
  return {
    name: row.name,
    deployment: row.deployment,
    baseUrl: row.site_url ?? row.base_url,
    authMethod: row.auth_method,
    status: row.status,
    statusReason: row.status_reason ?? null,
    scopes: JSON.parse(row.scopes) as string[],
    account: row.account ? (JSON.parse(row.account) as Record<string, string>) : null,
    connectedBy: row.connected_by,
    connectedAt: iso(row.connected_at),
    expiresAt: iso(row.expires_at),
    accessTokenExpiresAt: iso(row.access_expires_at ?? null),
    warnings: [...(JSON.parse(row.warnings) as string[]), ...expiryWarnings(row, now)],
    allowCommentsWithoutTemplate: row.allow_untemplated_comments !== 0,
    identity: row.identity,
  };
}

/** What a connection row is saved with (shared with the OAuth flow). */
export interface ConnectionRecord {
  name: string;
  deployment: Deployment;
  baseUrl: string;
  siteUrl: string | null;
  cloudId: string | null;
  authMethod: StoredCredentials['method'];
  scopes: string[];
  account: JiraAccount;
  warnings: string[];
  expiresAt: number | null;
  /** OAuth: when the access token expires. */
  accessTokenExpiresAt?: number | null;
}

export interface ConnectionServiceDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  guard: UpstreamGuard;
  jira: JiraClients;
  auditRecorder?: AuditRecorder;
}

export class ConnectionService {
  constructor(private readonly deps: ConnectionServiceDeps) {}

  private get now(): number {
    return this.deps.clock.now();
  }

  async list(orgId: string): Promise<ConnectionView[]> {
    const rows = await listConnections(this.deps.store.db, orgId);
    const now = this.now;
    return rows.map((row) => toConnectionView(row, now));
  }

  async get(orgId: string, name: string, db: Db = this.deps.store.db): Promise<ConnectionView> {
    const row = await this.row(orgId, name, db);
    if (!row) throw notFound(name);
    return toConnectionView(row, this.now);
  }

  /** Changes a connection's settings (not its credentials). */
  async updateSettings(
    context: OperationCaller,
    name: string,
    settings: ConnectionSettingsInput,
  ): Promise<ConnectionView> {
    const { store } = this.deps;
    if (!(await this.row(context.orgId, name))) throw notFound(name);
    await updateConnection(store.db, context.orgId, name, {
      ...(settings.allowCommentsWithoutTemplate !== undefined
        ? { allow_untemplated_comments: settings.allowCommentsWithoutTemplate ? 1 : 0 }
        : {}),
      ...(settings.identity !== undefined ? { identity: settings.identity } : {}),
      updated_at: this.now,
    });
    return this.get(context.orgId, name);
  }

  /** The comment policy for issues linked without a template; unknown connections allow none. */
  async allowsCommentsWithoutTemplate(orgId: string, name: string): Promise<boolean> {
    const row = await this.row(orgId, name);
    return row ? row.allow_untemplated_comments !== 0 : false;
  }

  /**
   * Creates or replaces a token, PAT or password connection. The credentials are tried against
   * Jira (serverInfo, myself) first; nothing is stored unless Jira accepts them.
   */
  async put(
    context: OperationCaller,
    name: string,
    input: PutConnectionInput,
  ): Promise<ConnectionView> {
    const started = this.now;
    let pending = false;
    try {
      const url = await this.deps.guard.checkUrl(input.baseUrl).catch((error: unknown) => {
        // Answered like any other host the relay cannot reach: whether a name resolves is
        // not for the caller to probe.
        if (error instanceof UpstreamUnresolvedError) {
          this.deps.logger.warn({ host: error.host, err: error.cause }, 'jira host not resolved');
          throw jiraUnreachable(false, error);
        }
        throw error;
      });
      const baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
      if (input.auth.method === 'oauth') {
        pending = true;
        return await this.putPendingOAuth(context, name, baseUrl, input.auth);
      }
      const credentials: StoredCredentials =
        input.auth.method === 'api_token'
          ? { method: 'api_token', email: input.auth.email, token: input.auth.token }
          : input.auth.method === 'pat'
            ? { method: 'pat', token: input.auth.token }
            : { method: 'basic', username: input.auth.username, password: input.auth.password };
      const { info, account } = await checkLiveAt(this.deps.jira, {
        deployment: input.deployment,
        apiBase: baseUrl,
        siteUrl: baseUrl,
        auth: authStrategyFor(credentials, {
          connectionName: name,
          deployment: input.deployment,
          oauthTokens: () => {
            throw new Error('OAuth connections are made through /oauth/start');
          },
        }),
        trustedHost: false,
      });
      if (info.deployment !== input.deployment) {
        throw new AppError(
          'VALIDATION_FAILED',
          `The Jira at this URL is ${info.deployment === 'cloud' ? 'Jira Cloud' : 'Jira Server/Data Center'}, not ${input.deployment}.`,
          { fieldErrors: [{ field: 'deployment', message: `Jira reports ${info.deployment}` }] },
        );
      }
      const expiresAt =
        'expiresAt' in input.auth && input.auth.expiresAt ? Date.parse(input.auth.expiresAt) : null;
      const view = await this.save(context, credentials, {
        name,
        deployment: input.deployment,
        baseUrl,
        siteUrl: null,
        cloudId: null,
        authMethod: credentials.method,
        scopes: [],
        account,
        warnings: credentials.method === 'basic' ? [BASIC_DEPRECATION_WARNING] : [],
        expiresAt,
      });
      await this.audit(context, 'Connect', name, started);
      return view;
    } catch (error) {
      // A pending OAuth connection connects (and is audited) when it is authorized.
      if (!pending) await this.audit(context, 'Connect', name, started, error);
      throw error;
    }
  }

  /**
   * A Jira Data Center connection by OAuth 2.0: its incoming link's client id and secret go to
   * the vault, any earlier credential of the connection goes, and the connection is `pending`
   * until an admin authorizes it in Jira (oauth/start). Nothing is sent to Jira yet: the
   * instance checks the client when the code is exchanged.
   */
  private async putPendingOAuth(
    context: OperationCaller,
    name: string,
    baseUrl: string,
    client: DataCenterClient,
  ): Promise<ConnectionView> {
    const { store, vault, jira } = this.deps;
    const now = this.now;
    const row = await store.transaction(async (tx) => {
      await vault.put(
        connectionOAuthClientRef(context.orgId, name),
        JSON.stringify({ clientId: client.clientId, clientSecret: client.clientSecret }),
        tx,
      );
      await vault.delete(connectionSecretRef(context.orgId, name), tx);
      // A flow begun with the previous client would fail at Jira: it ends here.
      await this.dropOAuthStates(tx, context.orgId, name);
      const values = {
        deployment: 'server' as const,
        base_url: baseUrl,
        auth_method: 'oauth' as const,
        status: 'pending' as const,
        status_reason: 'Waiting for an admin to authorize the connection in Jira.',
        scopes: '[]',
        account: null,
        warnings: '[]',
        secret_ref: connectionSecretRef(context.orgId, name),
        cloud_id: null,
        site_url: null,
        connected_by: null,
        connected_at: null,
        expires_at: null,
        access_expires_at: null,
        updated_at: now,
      };
      return saveConnection(tx, context.orgId, name, values, now);
    });
    await jira.forget(context.orgId, name);
    return toConnectionView(row, now);
  }

  /** Stores the secret and the connection row together, then drops any cached client. */
  async save(
    context: OperationCaller,
    credentials: StoredCredentials,
    record: ConnectionRecord,
  ): Promise<ConnectionView> {
    const { store, vault, jira } = this.deps;
    const now = this.now;
    const row = await store.transaction(async (tx) => {
      await vault.put(
        connectionSecretRef(context.orgId, record.name),
        JSON.stringify(credentials),
        tx,
      );
      // An incoming link's client belongs to a Data Center OAuth connection only.
      if (!(record.deployment === 'server' && record.authMethod === 'oauth')) {
        await vault.delete(connectionOAuthClientRef(context.orgId, record.name), tx);
      }
      const values = {
        deployment: record.deployment,
        base_url: record.baseUrl,
        auth_method: record.authMethod,
        status: 'active' as const,
        status_reason: null,
        scopes: JSON.stringify(record.scopes),
        account: JSON.stringify(record.account),
        warnings: JSON.stringify(record.warnings),
        secret_ref: connectionSecretRef(context.orgId, record.name),
        cloud_id: record.cloudId,
        site_url: record.siteUrl,
        connected_by: context.userId === '-' ? null : context.userId,
        connected_at: now,
        expires_at: record.expiresAt,
        access_expires_at: record.accessTokenExpiresAt ?? null,
        updated_at: now,
      };
      return saveConnection(tx, context.orgId, record.name, values, now);
    });
    await jira.forget(context.orgId, record.name);
    return toConnectionView(row, now);
  }

  /** Live check of a stored connection: who Jira says we are, and which Jira it is. */
  async test(
    context: OperationCaller,
    name: string,
  ): Promise<
    ConnectionView & { serverInfo: { version: string | null; serverTitle: string | null } }
  > {
    const { store, jira } = this.deps;
    const client = await jira.clientFor(context.orgId, name);
    let outcome: { info: JiraServerInfo; account: JiraAccount };
    try {
      outcome = await checkLive(client);
    } catch (error) {
      if (
        error instanceof AppError &&
        (error.code === 'JIRA_UNAUTHORIZED' || error.code === 'JIRA_FORBIDDEN')
      ) {
        await this.setStatus(context.orgId, name, 'error', error.detail.slice(0, 255));
      }
      throw error;
    }
    await updateConnection(
      store.db,
      context.orgId,
      name,
      {
        status: 'active',
        status_reason: null,
        account: JSON.stringify(outcome.account),
        updated_at: this.now,
      },
      { unlessStatus: 'needs_reauth' },
    );
    return {
      ...(await this.get(context.orgId, name)),
      serverInfo: {
        version: outcome.info.version ?? null,
        serverTitle: outcome.info.serverTitle ?? null,
      },
    };
  }

  /** Forgets the connection: its row, its secret and any per-user grants under it. */
  async delete(context: OperationCaller, name: string): Promise<void> {
    const { store, jira, vault } = this.deps;
    const started = this.now;
    const deleted = await store.transaction(async (tx) => {
      const existing = await this.row(context.orgId, name, tx);
      if (!existing) return false;
      await vault.deleteConnectionSecrets(context.orgId, name, tx);
      await this.dropOAuthStates(tx, context.orgId, name);
      await deleteUserGrantsOfConnection(tx, context.orgId, name);
      await deleteConnection(tx, context.orgId, name);
      return true;
    });
    await jira.forget(context.orgId, name);
    if (!deleted) {
      const error = notFound(name);
      await this.audit(context, 'Disconnect', name, started, error);
      throw error;
    }
    await this.audit(context, 'Disconnect', name, started);
  }

  /** Records a Connect/Disconnect event; a failing sink never fails the action. */
  async audit(
    context: OperationCaller,
    operation: 'Connect' | 'Disconnect',
    connection: string,
    started: number,
    error?: unknown,
  ): Promise<void> {
    const recorder = this.deps.auditRecorder;
    if (!recorder) return;
    await recorder.record(recorder.event(context, operation, { connection }, started, error));
  }

  /** Ends every OAuth flow of a connection, with the PKCE verifiers waiting for them. */
  private async dropOAuthStates(tx: Db, orgId: string, name: string): Promise<void> {
    const states = await tx
      .selectFrom('oauth_states')
      .select('state_hash')
      .where('org_id', '=', orgId)
      .where('connection_name', '=', name)
      .where('kind', '=', 'dc-authorize')
      .execute();
    for (const { state_hash } of states) {
      await this.deps.vault.delete(pkceVerifierRef(state_hash), tx);
    }
    await tx
      .deleteFrom('oauth_states')
      .where('org_id', '=', orgId)
      .where('connection_name', '=', name)
      .execute();
  }

  private async setStatus(
    orgId: string,
    name: string,
    status: ConnectionsTable['status'],
    reason: string,
  ): Promise<void> {
    await updateConnection(this.deps.store.db, orgId, name, {
      status,
      status_reason: reason,
      updated_at: this.now,
    });
  }

  private row(
    orgId: string,
    name: string,
    db: Db = this.deps.store.db,
  ): Promise<ConnectionsTable | undefined> {
    return findConnection(db, orgId, name);
  }
}

function notFound(name: string): AppError {
  return new AppError('CONNECTION_NOT_FOUND', `No Jira connection named "${name}".`);
}

/** serverInfo then myself: which Jira answers, and whether it accepts the credentials. */
async function checkLive(api: JiraApi): Promise<{ info: JiraServerInfo; account: JiraAccount }> {
  const info = await serverInfo(api);
  const account = await myself(api);
  return { info, account };
}

/** checkLive through a probe client on credentials not saved yet; the probe is closed after. */
export async function checkLiveAt(
  jira: JiraClients,
  target: ProbeInput,
): Promise<{ info: JiraServerInfo; account: JiraAccount }> {
  const probe = jira.probe(target);
  try {
    return await checkLive(probe.api);
  } finally {
    await probe.close();
  }
}
