import type { Logger } from 'pino';
import { OutboxDrainer } from './audit/outbox-drainer';
import { OutboxRepository } from './audit/outbox-repository';
import { OutboxAuditSink } from './audit/outbox-sink';
import type { Config } from './config/config';
import { resolveEncryptionKeys } from './config/encryption-keys';
import { ConnectionService } from './connections/connection-service';
import { DataCenterAuthorization } from './connections/datacenter-authorization';
import { OAuthConnectFlow } from './connections/oauth-flow';
import { UserGrantService } from './connections/user-grants';
import { AppQuota } from './jira/app-quota';
import { ConnectionActivity } from './jira/connection-activity';
import { JiraClients } from './jira/jira-client';
import { AtlassianOAuth } from './jira/oauth/atlassian-oauth';
import { DataCenterOAuth } from './jira/oauth/datacenter-oauth';
import { defaultTransportSettings, type TransportSettings } from './jira/transport';
import { systemClock, type Clock } from './lib/clock';
import { UpstreamGuard, type HostResolver } from './lib/upstream-guard';
import { SalesforceAuditClient } from './salesforce/audit-client';
import { SalesforceFiles } from './salesforce/files-reader';
import { SalesforceSessions } from './salesforce/sessions';
import { openStore, type Store } from './store/store';
import { PostgresIssueWriteNotices, type IssueWriteNotices } from './store/issue-write-notices';
import { StoreRetry } from './store/store-retry';
import { FleetRateLimiter } from './tenants/fleet-rate-limiter';
import { RateLimiter, type TenantRateLimit } from './tenants/rate-limiter';
import { ReplayGuard } from './tenants/replay-guard';
import { TenantService } from './tenants/tenant-service';
import { Envelope } from './vault/envelope';
import { Vault } from './vault/vault';
import { AuditRecorder } from './audit/audit-recorder';
import { processEventLoopDelay } from './lib/event-loop-delay';
import { IdempotencyStore } from './operations/idempotency';
import { CreateMetaCache } from './operations/create-meta-cache';

/** Everything the routes and the CLI use, built once from the configuration. */
export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  vault: Vault;
  tenants: TenantService;
  replayGuard: ReplayGuard;
  /** Signed requests per tenant: fleet-wide on PostgreSQL, per instance on SQLite. */
  rateLimiter: TenantRateLimit;
  /** Each tenant's share of the Atlassian app quota (OAuth connections). */
  appQuota: AppQuota;
  connections: ConnectionService;
  /** Jira clients per connection (transport, auth, rate-limit state). */
  jira: JiraClients;
  /** Jira writes told between the instances sharing a PostgreSQL store; none on SQLite. */
  writeNotices: IssueWriteNotices | undefined;
  oauthFlow: OAuthConnectFlow;
  /** Salesforce users' own Jira grants per connection (issue #16). */
  userGrants: UserGrantService;
  /** Jira Data Center's OAuth endpoints (token calls through the upstream guard). */
  dataCenterOAuth: DataCenterOAuth;
  /** Refuses internal hosts for tenant-supplied upstream URLs. */
  upstreamGuard: UpstreamGuard;
  /** Where operations record audit events (the durable outbox). */
  audit: OutboxAuditSink;
  outbox: OutboxRepository;
  /** Sends the outbox to Salesforce; started by main (and by tests that want delivery). */
  auditDrainer: OutboxDrainer;
  salesforce: SalesforceAuditClient;
  /** Reads the files a create or comment names from the tenant's org (same sessions). */
  salesforceFiles: SalesforceFiles;
  /** Builds one audit event per operation and hands it to `audit`. */
  auditRecorder: AuditRecorder;
  /** Idempotency-Key records shared by all instances. */
  idempotency: IdempotencyStore;
  /** Jira create metadata per connection + project + issue type, kept for a short TTL. */
  createMeta: CreateMetaCache;
  /** Each connection's last working and failed Jira call, for the health check. */
  connectionActivity: ConnectionActivity;
}

/** Seams for tests; production uses the defaults. */
export interface ServiceOptions {
  /** DNS for the upstream guard (tests map names to addresses without a network). */
  resolveHost?: HostResolver;
  jiraTransport?: Partial<TransportSettings>;
  /** Waits between Jira retries. */
  sleep?: (ms: number) => Promise<void>;
  /** How long create metadata is reused (default 10 minutes). */
  createMetaTtlMs?: number;
  /** How long a create holds its Idempotency-Key before a retry may take it over (2 minutes). */
  idempotencyLeaseMs?: number;
  /** How often an instance writes a connection's activity without a change of state (1 minute). */
  activityWriteIntervalMs?: number;
  /** Jira writes told between instances (default: PostgreSQL's LISTEN/NOTIFY on that store). */
  writeNotices?: IssueWriteNotices;
}

export async function createServices(
  config: Config,
  logger: Logger,
  clock: Clock = systemClock,
  options: ServiceOptions = {},
): Promise<Services> {
  const envelope = new Envelope(resolveEncryptionKeys(config, logger));
  const store = openStore(config.store, {
    onConnectionError: (error) =>
      logger.warn({ err: error }, 'a store connection failed; the next query opens a new one'),
  });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  const vault = new Vault(store, envelope, clock);
  const tenants = new TenantService(store, vault, clock);
  const outbox = new OutboxRepository(store);
  const audit = new OutboxAuditSink(
    outbox,
    clock,
    (orgId) => tenants.auditsViews(orgId),
    logger.child({ component: 'audit' }),
  );
  const upstreamGuard = new UpstreamGuard({
    allowPrivate: config.allowPrivateUpstreams,
    resolve: options.resolveHost,
  });
  const { clientId, clientSecret, authUrl, apiUrl } = config.atlassian;
  const atlassianOAuth =
    clientId && clientSecret
      ? new AtlassianOAuth({
          clientId,
          clientSecret,
          authUrl,
          apiUrl,
          redirectUri: `${config.publicUrl}/oauth/callback`,
          timeoutMs: 15_000,
        })
      : undefined;
  const transportSettings = {
    ...defaultTransportSettings,
    maxConcurrent: config.jira.maxConcurrency,
    minConcurrent: config.jira.minConcurrency,
    maxQueueWaitMs: config.jira.maxQueueWaitMs,
    ...options.jiraTransport,
  };
  // Jira Data Center is its own OAuth provider, on the admin's host: through the guard.
  const dataCenterOAuth = new DataCenterOAuth({
    redirectUri: `${config.publicUrl}/oauth/callback`,
    timeoutMs: 15_000,
    guard: upstreamGuard,
    connectTimeoutMs: transportSettings.connectTimeoutMs,
  });
  const appQuota = new AppQuota(config.jira.appHourlyPoints, clock);
  const loopDelay = processEventLoopDelay();
  const connectionActivity = new ConnectionActivity({
    store,
    clock,
    logger: logger.child({ component: 'jira' }),
    intervalMs: options.activityWriteIntervalMs,
  });
  let writeNotices = options.writeNotices;
  if (!writeNotices && config.store.engine === 'postgres') {
    const notices = new PostgresIssueWriteNotices(
      config.store.url,
      store.db,
      logger.child({ component: 'jira' }),
    );
    store.atClose(() => notices.close());
    // Not awaited past its first try: until it listens, reads are simply not shared.
    await notices.start();
    writeNotices = notices;
  }
  const jira = new JiraClients({
    store,
    vault,
    clock,
    logger,
    guard: upstreamGuard,
    oauth: atlassianOAuth,
    dataCenterOAuth,
    settings: transportSettings,
    sleep: options.sleep,
    appQuota,
    quotaWeight: (orgId) => tenants.quotaWeight(orgId),
    relayDelayMs: () => loopDelay.recentMs,
    activity: connectionActivity,
    writeNotices,
  });
  const auditLogger = logger.child({ component: 'audit' });
  const auditRecorder = new AuditRecorder(
    audit,
    clock,
    auditLogger,
    new StoreRetry(auditLogger, {}, clock),
  );
  const connections = new ConnectionService({
    store,
    vault,
    clock,
    logger,
    guard: upstreamGuard,
    jira,
    auditRecorder,
  });
  const userGrants = new UserGrantService({ store, vault, clock, logger, jira, auditRecorder });
  const oauthFlow = new OAuthConnectFlow({
    store,
    vault,
    clock,
    logger: logger.child({ component: 'oauth' }),
    jira,
    connections,
    userGrants,
    oauth: atlassianOAuth,
    apiUrl,
    publicUrl: config.publicUrl,
    dataCenter: new DataCenterAuthorization({
      store,
      vault,
      clock,
      logger: logger.child({ component: 'oauth' }),
      jira,
      connections,
      oauth: dataCenterOAuth,
    }),
  });
  const salesforceLogger = logger.child({ component: 'salesforce' });
  // One session per tenant for the audit outbox and the files reader alike.
  const salesforceSessions = new SalesforceSessions({
    credentials: (orgId) => tenants.salesforceAuth(orgId),
    upstream: upstreamGuard,
    timeoutMs: config.outbox.salesforceTimeoutMs,
    now: () => clock.now(),
    logger: salesforceLogger,
  });
  const salesforce = new SalesforceAuditClient({
    credentials: (orgId) => tenants.salesforceAuth(orgId),
    namespace: (orgId) => tenants.namespace(orgId),
    upstream: upstreamGuard,
    timeoutMs: config.outbox.salesforceTimeoutMs,
    now: () => clock.now(),
    logger: salesforceLogger,
    sessions: salesforceSessions,
  });
  const salesforceFiles = new SalesforceFiles({
    sessions: salesforceSessions,
    guard: upstreamGuard,
    timeoutMs: config.outbox.salesforceTimeoutMs,
    connectTimeoutMs: transportSettings.connectTimeoutMs,
    logger: salesforceLogger,
  });
  const auditDrainer = new OutboxDrainer(
    outbox,
    salesforce,
    clock,
    logger.child({ component: 'audit-outbox' }),
    { batchSize: 200, ...config.outbox },
  );
  return {
    config,
    logger,
    clock,
    store,
    vault,
    tenants,
    replayGuard: new ReplayGuard(store, clock),
    rateLimiter:
      store.engine === 'postgres'
        ? new FleetRateLimiter(store, config.tenantRateLimitPerMinute, () => clock.now())
        : new RateLimiter(config.tenantRateLimitPerMinute, () => clock.now()),
    appQuota,
    connections,
    jira,
    writeNotices,
    oauthFlow,
    userGrants,
    dataCenterOAuth,
    upstreamGuard,
    audit,
    outbox,
    auditDrainer,
    salesforce,
    salesforceFiles,
    auditRecorder,
    idempotency: new IdempotencyStore(
      store,
      clock,
      options.idempotencyLeaseMs !== undefined ? { leaseMs: options.idempotencyLeaseMs } : {},
    ),
    createMeta: new CreateMetaCache(
      clock,
      options.createMetaTtlMs !== undefined ? { ttlMs: options.createMetaTtlMs } : {},
    ),
    connectionActivity,
  };
}
