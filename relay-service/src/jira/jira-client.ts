import type { Logger } from 'pino';
import type { RelayCaller } from '../audit/audit-recorder';
import { Counter, Gauge, type Registry } from 'prom-client';
import { Agent, type Dispatcher } from 'undici';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import { TurnMemo } from '../lib/turn-memo';
import type { UpstreamGuard } from '../lib/upstream-guard';
import { findConnection } from '../store/connection-repository';
import type { IssueWriteNotices } from '../store/issue-write-notices';
import type { ConnectionsTable, UserGrantsTable } from '../store/schema';
import { findUserGrant } from '../store/user-grant-repository';
import type { Store } from '../store/store';
import type { Vault } from '../vault/vault';
import { authStrategyFor, type AuthStrategy } from './auth';
import {
  connectionSecretRef,
  parseStoredCredentials,
  userGrantSecretRef,
  type AuthMethod,
} from './auth/credentials';
import { oauthAuth } from './auth/oauth';
import { ReadCoalescer } from './read-coalescer';
import type { AtlassianOAuth } from './oauth/atlassian-oauth';
import type { AppQuota } from './app-quota';
import type { ConnectionActivity } from './connection-activity';
import { storedDataCenterClient, type DataCenterOAuth } from './oauth/datacenter-oauth';
import { needsReauth, OAuthTokenState, type OAuthRefresher } from './oauth/oauth-token-state';
import { markUserGrantNeedsReauth, userGrantHolder, userNotConnected } from './oauth/user-grant';
import {
  JiraTransport,
  type JiraResponse,
  type RateLimitState,
  type Send,
  type TransportDeps,
  type TransportObserver,
  type TransportSettings,
} from './transport';

export type Deployment = 'cloud' | 'server';

/** Cloud speaks REST v3 with Atlassian Document Format; Server/DC speaks v2 with wiki markup. */
export type ApiPath = '/rest/api/3' | '/rest/api/2';

export function apiPathFor(deployment: Deployment): ApiPath {
  return deployment === 'cloud' ? '/rest/api/3' : '/rest/api/2';
}

/** What endpoint functions need: where the API lives and how to send. */
export interface JiraApi {
  deployment: Deployment;
  apiPath: ApiPath;
  send: Send;
}

/** A ready-to-use client for one stored connection. */
export interface JiraClient extends JiraApi {
  orgId: string;
  connectionName: string;
  authMethod: AuthMethod;
  /** Requests go here (site URL, or api.atlassian.com/ex/jira/{cloudId} for OAuth). */
  apiBase: string;
  /** The site people browse (issue links are built on it). */
  siteUrl: string;
  /** Granted OAuth scopes; empty for other methods. */
  scopes: string[];
  /**
   * Whose Jira account the calls run as: the connection's own (`service`), or the acting
   * Salesforce user's own grant (`user`, issue #16).
   */
  identity: 'service' | 'user';
}

/** User clients kept open at once; the least recently built is closed beyond this. */
const MAX_USER_CLIENTS = 500;
/** Sockets one user's client may hold (a person's actions are few and sequential). */
const USER_CLIENT_CONNECTIONS = 4;

export interface JiraClientsDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  guard: UpstreamGuard;
  /** Undefined when the relay has no Atlassian OAuth app configured. */
  oauth: AtlassianOAuth | undefined;
  /** Jira Data Center's own OAuth 2.0 endpoints (incoming application links). */
  dataCenterOAuth?: DataCenterOAuth;
  settings: TransportSettings;
  sleep?: (ms: number) => Promise<void>;
  /** The tenants' shares of the Atlassian app quota, for OAuth connections. */
  appQuota?: AppQuota;
  /** A tenant's weight in the app quota (read for each operation, from a short-lived cache). */
  quotaWeight?: (orgId: string) => Promise<number>;
  /** How late the relay's own event loop runs, for the adaptive limits (lib/event-loop-delay). */
  relayDelayMs?: () => number;
  /** Where each connection's calls are noted for the health check (connection-activity.ts). */
  activity?: ConnectionActivity;
  /** The other relay instances' Jira writes, and ours for them (PostgreSQL store only). */
  writeNotices?: IssueWriteNotices;
}

interface Entry {
  version: string;
  client: JiraClient;
  transport: JiraTransport;
  dispatcher: Dispatcher;
  /** The tenant's app-quota weight as last read. */
  weight: number;
}

interface ConnectionCounters {
  coalesced: Counter<'tenant' | 'connection'>;
  refused: Counter<'tenant' | 'connection' | 'code'>;
}

export interface ProbeInput {
  deployment: Deployment;
  apiBase: string;
  siteUrl: string;
  auth: AuthStrategy;
  /** Operator-configured Atlassian endpoints skip the upstream guard; tenant URLs never do. */
  trustedHost: boolean;
}

const keyOf = (orgId: string, name: string) => `${orgId}\u0000${name}`;

/**
 * Builds and keeps one client per connection: its keep-alive agent, its concurrency limit,
 * its rate-limit state and (for OAuth) its token state live as long as the connection is
 * unchanged.
 */
export class JiraClients {
  private readonly entries = new Map<string, Entry>();
  /** Clients of users' own grants, by org, connection and user. */
  private readonly userEntries = new Map<string, Entry>();
  /**
   * Each connection's reads under way, shared by its own client and its users' clients: a
   * write through any of them (a user's comment) ends the sharing of reads of that issue by
   * all of them (the connection's views).
   */
  private readonly connectionReads = new Map<string, ReadCoalescer<JiraResponse>>();
  /** False while other instances' writes may go unheard: then no read is shared. */
  private sharing = true;
  private counters: ConnectionCounters | undefined;
  /**
   * Each call reads its connection's row (status, credentials version); the requests one group
   * commit releases together share one read.
   */
  private readonly rows = new TurnMemo<ConnectionsTable | undefined>();

  constructor(private readonly deps: JiraClientsDeps) {
    deps.writeNotices?.subscribe({
      written: ({ orgId, connection, issueKey }) =>
        this.connectionReads.get(keyOf(orgId, connection))?.closeSharing(issueKey),
      listening: (listening) => {
        this.sharing = listening;
        for (const reads of this.connectionReads.values()) reads.suspend(!listening);
      },
    });
  }

  private connectionRow(orgId: string, connectionName: string) {
    return this.rows.get(keyOf(orgId, connectionName), () =>
      findConnection(this.deps.store.db, orgId, connectionName),
    );
  }

  async clientFor(orgId: string, connectionName: string): Promise<JiraClient> {
    return this.serviceClient(
      orgId,
      connectionName,
      await this.connectionRow(orgId, connectionName),
    );
  }

  /** The connection's own client, from its row as the caller read it. */
  private async serviceClient(
    orgId: string,
    connectionName: string,
    row: ConnectionsTable | undefined,
  ): Promise<JiraClient> {
    const { vault } = this.deps;
    if (!row) {
      throw new AppError(
        'CONNECTION_NOT_FOUND',
        `No Jira connection named "${connectionName}". Create it on the Jira setup screen.`,
      );
    }
    if (row.status === 'needs_reauth') {
      throw needsReauth(connectionName, row.status_reason ?? 'the grant is no longer valid');
    }
    if (row.status === 'pending') {
      throw needsReauth(connectionName, 'its OAuth authorization in Jira was not completed yet');
    }
    const key = keyOf(orgId, connectionName);
    const version = versionOf(row);
    const existing = this.entries.get(key);
    if (existing?.version === version) {
      if (countsAgainstAppQuota(existing.client)) existing.weight = await this.weightOf(orgId);
      return existing.client;
    }

    const json = await vault.get(connectionSecretRef(orgId, connectionName));
    if (!json) throw needsReauth(connectionName, 'no credentials are stored');
    const credentials = parseStoredCredentials(json);

    // Another request may have built the client while this one read the vault.
    const raced = this.entries.get(key);
    if (raced?.version === version) return raced.client;
    if (raced) void this.closeEntry(raced);
    // Calls made with replaced credentials say nothing about the new ones.
    if (raced ?? existing) this.deps.activity?.forget(orgId, connectionName);

    // Only Atlassian's own API gateway (operator-configured) is trusted; a Server/DC base URL
    // is the admin's, with OAuth as with any other method.
    const trustedHost = credentials.method === 'oauth' && row.deployment === 'cloud';
    const dispatcher = this.dispatcherFor(trustedHost);
    const auth = authStrategyFor(credentials, {
      connectionName,
      deployment: row.deployment,
      oauthTokens: () =>
        new OAuthTokenState(
          { ...this.deps, oauth: this.refresherFor(orgId, connectionName, row) },
          orgId,
          connectionName,
        ),
    });
    const appQuotaCall = countsAgainstAppQuota({
      authMethod: credentials.method,
      deployment: row.deployment,
    });
    const entry: Pick<Entry, 'weight'> = {
      weight: appQuotaCall ? await this.weightOf(orgId) : 1,
    };
    const transport = this.transport(
      row.base_url,
      auth,
      dispatcher,
      connectionName,
      () => this.replaceFaulted(key, dispatcher),
      {
        observer: this.observerFor(orgId, connectionName),
        quota: appQuotaCall ? this.deps.appQuota?.gateFor(orgId, () => entry.weight) : undefined,
        reads: this.readsOf(orgId, connectionName, `service\u0000${version}`),
      },
    );
    const client: JiraClient = {
      orgId,
      connectionName,
      authMethod: credentials.method,
      deployment: row.deployment,
      apiPath: apiPathFor(row.deployment),
      apiBase: row.base_url,
      siteUrl: row.site_url ?? row.base_url,
      scopes: JSON.parse(row.scopes) as string[],
      // Only the connection's own calls count for its health: a user's expired grant is theirs.
      send: this.noted(orgId, connectionName, transport.send),
      identity: 'service',
    };
    this.entries.set(key, Object.assign(entry, { version, client, transport, dispatcher }));
    return client;
  }

  /**
   * The client an action by `caller` runs on (issue #16). By the connection's `identity`:
   * `service` always the connection's own; `prefer_user` the user's own grant when it works,
   * else the connection's; `require_user` the user's own grant or JIRA_USER_NOT_CONNECTED.
   * Automation ("-") has no Jira account of its own and always acts as the connection.
   */
  async actingClientFor(caller: RelayCaller, connectionName: string): Promise<JiraClient> {
    const { orgId, userId } = caller;
    const row = await this.connectionRow(orgId, connectionName);
    if (!row || row.identity === 'service' || userId === '-') {
      return this.serviceClient(orgId, connectionName, row);
    }
    const grant = await findUserGrant(this.deps.store.db, orgId, connectionName, userId);
    if (grant?.status === 'active') return this.userClientFor(row, grant);
    if (row.identity === 'require_user') {
      throw userNotConnected(connectionName, grant ? 'needs_reauth' : 'none');
    }
    return this.serviceClient(orgId, connectionName, row);
  }

  /** A client on one user's own grant, kept while the connection and the grant are unchanged. */
  private async userClientFor(row: ConnectionsTable, grant: UserGrantsTable): Promise<JiraClient> {
    const { org_id: orgId, name: connectionName } = row;
    const { user_id: userId } = grant;
    const key = `${keyOf(orgId, connectionName)}\u0000${userId}`;
    const version = `${versionOf(row)}|${grant.auth_method}|${grant.connected_at}|${grant.api_base ?? ''}`;
    const existing = this.userEntries.get(key);
    if (existing?.version === version) {
      if (countsAgainstAppQuota(existing.client)) existing.weight = await this.weightOf(orgId);
      return existing.client;
    }
    const json = await this.deps.vault.get(userGrantSecretRef(orgId, connectionName, userId));
    const credentials = json ? parseStoredCredentials(json) : undefined;
    if (!credentials || credentials.method !== grant.auth_method) {
      throw userNotConnected(connectionName, 'needs_reauth');
    }
    const raced = this.userEntries.get(key);
    if (raced?.version === version) return raced.client;
    if (raced) {
      this.userEntries.delete(key);
      void this.closeEntry(raced);
    }

    const cloudOAuth = credentials.method === 'oauth';
    const apiBase = cloudOAuth ? grant.api_base : row.base_url;
    if (!apiBase) throw userNotConnected(connectionName, 'needs_reauth');
    const dispatcher = this.dispatcherFor(cloudOAuth, USER_CLIENT_CONNECTIONS);
    const { clock } = this.deps;
    const auth: AuthStrategy = cloudOAuth
      ? oauthAuth(
          new OAuthTokenState(
            { ...this.deps, oauth: this.refresherFor(orgId, connectionName, row) },
            orgId,
            connectionName,
            userGrantHolder(orgId, connectionName, userId),
          ),
          connectionName,
        )
      : {
          async authorize(headers) {
            headers.authorization = `Bearer ${(credentials as { token: string }).token}`;
          },
          // Jira no longer takes the user's token: their grant stops, nobody else's.
          onUnauthorized: async () => {
            await markUserGrantNeedsReauth(
              this.deps.store.db,
              orgId,
              connectionName,
              userId,
              'Jira refused the personal access token',
              clock.now(),
            );
            throw userNotConnected(connectionName, 'needs_reauth');
          },
        };
    const appQuotaCall = countsAgainstAppQuota({
      authMethod: credentials.method,
      deployment: row.deployment,
    });
    const entry: Pick<Entry, 'weight'> = {
      weight: appQuotaCall ? await this.weightOf(orgId) : 1,
    };
    const transport = this.transport(
      apiBase,
      auth,
      dispatcher,
      connectionName,
      () => {
        const current = this.userEntries.get(key);
        if (current?.dispatcher !== dispatcher) return;
        this.userEntries.delete(key);
        void this.closeEntry(current);
      },
      {
        observer: this.observerFor(orgId, connectionName),
        quota: appQuotaCall ? this.deps.appQuota?.gateFor(orgId, () => entry.weight) : undefined,
        reads: this.readsOf(orgId, connectionName, `user\u0000${userId}\u0000${version}`),
      },
    );
    const client: JiraClient = {
      orgId,
      connectionName,
      authMethod: credentials.method,
      deployment: row.deployment,
      apiPath: apiPathFor(row.deployment),
      apiBase,
      siteUrl: row.site_url ?? row.base_url,
      scopes: JSON.parse(grant.scopes) as string[],
      send: transport.send,
      identity: 'user',
    };
    this.userEntries.set(key, Object.assign(entry, { version, client, transport, dispatcher }));
    while (this.userEntries.size > MAX_USER_CLIENTS) {
      const [oldestKey, oldest] = this.userEntries.entries().next().value as [string, Entry];
      this.userEntries.delete(oldestKey);
      void this.closeEntry(oldest);
    }
    return client;
  }

  /** Drops the cached client of one user's grant after it changed or was removed. */
  async forgetUser(orgId: string, connectionName: string, userId: string): Promise<void> {
    const key = `${keyOf(orgId, connectionName)}\u0000${userId}`;
    const entry = this.userEntries.get(key);
    this.userEntries.delete(key);
    if (entry) await this.closeEntry(entry);
  }

  /**
   * A throwaway client for credentials that are not stored yet: PUT and the OAuth callback
   * test them against Jira before anything is saved. Close it when done.
   */
  probe(input: ProbeInput): { api: JiraApi; close(): Promise<void> } {
    const dispatcher = this.dispatcherFor(input.trustedHost, 2);
    const transport = this.transport(input.apiBase, input.auth, dispatcher, 'probe');
    return {
      api: {
        deployment: input.deployment,
        apiPath: apiPathFor(input.deployment),
        send: transport.send,
      },
      close: () => this.closeClient(transport, dispatcher),
    };
  }

  /** Who refreshes the tokens of an OAuth connection: Atlassian, or the Jira instance itself. */
  private refresherFor(
    orgId: string,
    connectionName: string,
    row: ConnectionsTable,
  ): OAuthRefresher {
    if (row.deployment === 'server') {
      const dataCenter = this.deps.dataCenterOAuth;
      if (!dataCenter) throw new Error('Jira Data Center OAuth is not wired into the Jira clients');
      return dataCenter.refresherFor(async () => {
        const client = await storedDataCenterClient(this.deps.vault, orgId, connectionName);
        if (!client) {
          throw needsReauth(
            connectionName,
            'the client of its incoming application link is not stored',
          );
        }
        return { baseUrl: row.base_url, client };
      });
    }
    if (!this.deps.oauth) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'This relay has no Atlassian OAuth app configured (ATLASSIAN_CLIENT_ID / ATLASSIAN_CLIENT_SECRET).',
      );
    }
    return this.deps.oauth;
  }

  /** Drops the cached client after a connection changed or was deleted. */
  async forget(orgId: string, connectionName: string): Promise<void> {
    const key = keyOf(orgId, connectionName);
    const entry = this.entries.get(key);
    this.entries.delete(key);
    this.connectionReads.delete(key);
    this.deps.activity?.forget(orgId, connectionName);
    const users = [...this.userEntries].filter(([userKey]) => userKey.startsWith(`${key}\u0000`));
    for (const [userKey] of users) this.userEntries.delete(userKey);
    await Promise.all([entry, ...users.map(([, e]) => e)].map((e) => e && this.closeEntry(e)));
  }

  async close(): Promise<void> {
    const entries = [...this.entries.values(), ...this.userEntries.values()];
    this.entries.clear();
    this.userEntries.clear();
    await Promise.all(entries.map((entry) => this.closeEntry(entry)));
  }

  /**
   * Per connection (labels tenant and connection, bounded by the connections that exist):
   * the adaptive limit, calls in flight and waiting, reads saved by coalescing, callers refused.
   */
  registerMetrics(registry: Registry): void {
    this.counters = {
      coalesced: new Counter({
        name: 'relay_jira_calls_saved_total',
        help: 'Jira calls saved: reads that shared an identical read already under way',
        labelNames: ['tenant', 'connection'] as const,
        registers: [registry],
      }),
      refused: new Counter({
        name: 'relay_jira_calls_refused_total',
        help: 'Callers answered without a Jira call: no slot within the wait budget, a pause Jira asked for, or over the quota share',
        labelNames: ['tenant', 'connection', 'code'] as const,
        registers: [registry],
      }),
    };
    const perConnection = (
      name: string,
      help: string,
      read: (transport: JiraTransport) => number,
    ) => {
      const entries = this.entries;
      return new Gauge({
        name,
        help,
        labelNames: ['tenant', 'connection'] as const,
        registers: [registry],
        collect() {
          this.reset();
          for (const entry of entries.values()) {
            this.set(
              { tenant: entry.client.orgId, connection: entry.client.connectionName },
              read(entry.transport),
            );
          }
        },
      });
    };
    perConnection(
      'relay_jira_concurrency_limit',
      'Jira calls a connection may have in flight now (adaptive)',
      (transport) => transport.slots.limit.current,
    );
    perConnection(
      'relay_jira_calls_in_flight',
      'Jira calls a connection has in flight',
      (transport) => transport.slots.inFlight,
    );
    perConnection(
      'relay_jira_calls_queued',
      'Calls waiting for a slot on a connection',
      (transport) => transport.slots.queued,
    );
    const sharing = () => this.sharing;
    new Gauge({
      name: 'relay_jira_reads_shared',
      help: 'Whether identical concurrent Jira reads share one call (0 while this instance cannot hear the other instances’ writes: every read then calls Jira)',
      registers: [registry],
      collect() {
        this.set(sharing() ? 1 : 0);
      },
    });
  }

  /** Current limit, in flight and queued of one connection's client, if it is open. */
  loadOf(
    orgId: string,
    connectionName: string,
  ): { limit: number; inFlight: number; queued: number } | undefined {
    const slots = this.entries.get(keyOf(orgId, connectionName))?.transport.slots;
    return slots && { limit: slots.limit.current, inFlight: slots.inFlight, queued: slots.queued };
  }

  /**
   * Jira's rate-limit state of one connection as this instance sees it, or undefined when
   * this instance has no client for it open.
   */
  rateLimitOf(orgId: string, connectionName: string): RateLimitState | undefined {
    return this.entries.get(keyOf(orgId, connectionName))?.transport.rateLimitState();
  }

  /** The limit a connection's calls start with before Jira's answers move it. */
  get initialLimit(): number {
    const { minConcurrent, maxConcurrent, initialConcurrent } = this.deps.settings;
    return Math.min(
      maxConcurrent,
      Math.max(Math.min(minConcurrent, maxConcurrent), initialConcurrent),
    );
  }

  /** `send`, with how each call ended noted for the health check. */
  private noted(orgId: string, connectionName: string, send: Send): Send {
    const activity = this.deps.activity;
    if (!activity) return send;
    return async (request) => {
      try {
        const response = await send(request);
        activity.note(orgId, connectionName);
        return response;
      } catch (error) {
        activity.note(orgId, connectionName, error);
        throw error;
      }
    };
  }

  /** A connection's shared reads, for callers with one set of credentials (`scope`). */
  private readsOf(orgId: string, connection: string, scope: string): TransportDeps['reads'] {
    const key = keyOf(orgId, connection);
    let coalescer = this.connectionReads.get(key);
    if (!coalescer) {
      const notices = this.deps.writeNotices;
      coalescer = new ReadCoalescer<JiraResponse>(
        notices && ((issueKey) => notices.publish({ orgId, connection, issueKey })),
      );
      coalescer.suspend(!this.sharing);
      this.connectionReads.set(key, coalescer);
    }
    return { coalescer, scope };
  }

  private async weightOf(orgId: string): Promise<number> {
    return this.deps.quotaWeight ? this.deps.quotaWeight(orgId) : 1;
  }

  private observerFor(orgId: string, connectionName: string): TransportObserver {
    const labels = { tenant: orgId, connection: connectionName };
    return {
      coalesced: () => this.counters?.coalesced.inc(labels),
      refused: (code) => this.counters?.refused.inc({ ...labels, code }),
    };
  }

  private transport(
    apiBase: string,
    auth: AuthStrategy,
    dispatcher: Dispatcher,
    connectionName: string,
    onDispatcherFault?: () => void,
    extra: Pick<TransportDeps, 'observer' | 'quota' | 'reads'> = {},
  ): JiraTransport {
    return new JiraTransport({
      ...extra,
      baseUrl: apiBase,
      auth,
      dispatcher,
      settings: this.deps.settings,
      clock: this.deps.clock,
      sleep: this.deps.sleep,
      logger: this.deps.logger.child({ component: 'jira', connection: connectionName }),
      onDispatcherFault,
      relayDelayMs: this.deps.relayDelayMs,
    });
  }

  /** The next request of the connection gets a fresh client; the faulted one is closed. */
  private replaceFaulted(key: string, dispatcher: Dispatcher): void {
    const entry = this.entries.get(key);
    if (entry?.dispatcher !== dispatcher) return;
    this.entries.delete(key);
    void this.closeEntry(entry);
  }

  private dispatcherFor(trustedHost: boolean, connections?: number): Dispatcher {
    const { settings, guard } = this.deps;
    const size = connections ?? settings.maxConcurrent;
    return trustedHost
      ? new Agent({
          connections: size,
          keepAliveTimeout: 30_000,
          connect: { timeout: settings.connectTimeoutMs },
        })
      : guard.agent({ connectTimeoutMs: settings.connectTimeoutMs, connections: size });
  }

  private closeEntry(entry: Entry): Promise<void> {
    return this.closeClient(entry.transport, entry.dispatcher);
  }

  /**
   * Lets the client's HTTP exchanges finish, but not for longer than the close timeout, then
   * destroys its dispatcher: neither a shutdown nor a replaced connection waits on a hung
   * request. (undici's own close() would wait forever on a connection slot it leaked, and a
   * destroy() after it no longer reaches the pools.)
   */
  private async closeClient(transport: JiraTransport, dispatcher: Dispatcher): Promise<void> {
    const { closeTimeoutMs } = this.deps.settings;
    if (!(await transport.whenIdle(closeTimeoutMs))) {
      this.deps.logger.warn(
        { timeoutMs: closeTimeoutMs },
        'jira requests still running at close were cut',
      );
    }
    await dispatcher.destroy().catch(() => undefined);
  }
}

/** Changes whenever the connection is replaced, so a stale client is never reused. */
function versionOf(row: ConnectionsTable): string {
  return [
    row.auth_method,
    row.deployment,
    row.base_url,
    row.connected_at ?? '',
    row.created_at,
  ].join('|');
}

/**
 * Only Jira Cloud OAuth calls go through Atlassian's app and count against its quota; a Data
 * Center's own OAuth provider has no such app-wide budget.
 */
function countsAgainstAppQuota(client: {
  authMethod: AuthMethod;
  deployment: Deployment;
}): boolean {
  return client.authMethod === 'oauth' && client.deployment === 'cloud';
}
