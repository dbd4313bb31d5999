import pino, { type Logger } from 'pino';
import { Agent } from 'undici';
import type { AuditEvent } from '../../src/audit/audit-event';
import {
  AuditRecorder,
  type OperationCaller,
  type RelayCaller,
} from '../../src/audit/audit-recorder';
import { OutboxRepository } from '../../src/audit/outbox-repository';
import { OutboxAuditSink } from '../../src/audit/outbox-sink';
import { apiTokenAuth } from '../../src/jira/auth/api-token';
import type { AuthStrategy } from '../../src/jira/auth/auth-strategy';
import { patAuth } from '../../src/jira/auth/pat';
import type { JiraClient } from '../../src/jira/jira-client';
import { JiraTransport, defaultTransportSettings } from '../../src/jira/transport';
import { AppError } from '../../src/lib/errors';
import type { IssueOperationDeps } from '../../src/operations/issue-operation-deps';
import { openStore, type Store } from '../../src/store/store';
import { HTTPS_SITE } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import type { Issue } from '../support/jira-double/model';
import { freshStoreLocation } from '../support/stores';

/**
 * The operations on one linked issue (transition, comment) called directly, without a relay: a
 * real SQLite store file for the audit outbox, and a Jira Cloud double and a Data Center double
 * on 127.0.0.1 reached through the relay's own transport. Each connection acts as its Jira
 * service account (Ada); the Salesforce user SAM has a grant of his own Jira account (issue #16),
 * so his actions run as Sam.
 */

export type Deployment = 'cloud' | 'server';
export const DEPLOYMENTS: Deployment[] = ['cloud', 'server'];

export const ORG = '00D5g000004Xyz1EAC';
/** The connection each double is reached through; `impatient` is Cloud with a short timeout. */
export const CONNECTION: Record<Deployment, string> = { cloud: 'cloud', server: 'dc' };
export const IMPATIENT = 'impatient';
/** How long the `impatient` connection waits for one Jira call. */
export const IMPATIENT_TIMEOUT_MS = 1_000;

/** A Salesforce user acting as the connection's Jira account. */
export const ALEX = '0055g00000AbCdEAAV';
/** A Salesforce user with a grant of his own Jira account. */
export const SAM = '0055g00000SaMuEAAV';

export const RECORD = {
  id: '5005g00000Q1w2eAAB',
  url: 'https://acme.my.salesforce.com/lightning/r/Case/5005g00000Q1w2eAAB/view',
};
export const USER = { name: 'Sam Agent', email: 'sam@acme.example' };
export const TEMPLATE_ID = 'a0B5g00000T3mPlAAB';

/** A template as Apex sends it (relay-contract.md, "Template"). */
export function template(
  connection: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: TEMPLATE_ID,
    name: 'Support cases',
    objectApiName: 'Case',
    connection,
    projectKey: 'SUP',
    issueType: 'Bug',
    summary: '{{Subject}}',
    description: '{{Description}}',
    fields: [],
    remoteLink: true,
    allowComments: true,
    allowedTransitions: ['In Progress', 'Done'],
    ...overrides,
  };
}

export interface OperationWorld {
  doubles: Record<Deployment, JiraDouble>;
  store: Store;
  deps: IssueOperationDeps;
  logger: Logger;
  /** What the operations logged (warnings and errors), parsed. */
  logs: Record<string, unknown>[];
  /** A new caller (fresh request id), acting as the connection unless `userId` is SAM. */
  caller(userId?: string): OperationCaller;
  /** A new issue in SUP (or `projectKey`), in its workflow's first status. */
  seed(deployment: Deployment, projectKey?: string): Issue;
  /** The audit events queued for one request id. */
  eventsOf(requestId: string): Promise<AuditEvent[]>;
}

/** The Jira accounts the doubles know: Ada (the connections' own) is there already. */
const SAM_JIRA = {
  accountId: '5b10ac8d82e05b22cc7d4ef5',
  name: 'sam',
  key: 'JIRAUSER10001',
  displayName: 'Sam Agent',
  emailAddress: 'sam@acme.example',
  apiToken: 'ATATT-double-api-token-sam',
  pat: 'NjM3-double-pat-sam',
};

/**
 * Registers the hooks of a test file: one world for the file, counters, faults, transition
 * screens and logs reset per test, no OpenAPI violation on either double after each test.
 */
export function useOperationWorld(onStart: (world: OperationWorld) => void): void {
  let doubles: Record<Deployment, JiraDouble>;
  let store: Store;
  let dispatcher: Agent;
  let requests = 0;
  const logs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const [cloud, server] = await Promise.all([
      startJiraDouble({ deployment: 'cloud' }),
      startJiraDouble({ deployment: 'server' }),
    ]);
    doubles = { cloud, server };
    for (const double of [cloud, server]) double.model.users.push({ ...SAM_JIRA });
    store = openStore(await freshStoreLocation('sqlite'));
    await store.migrate();
    dispatcher = new Agent({ keepAliveTimeout: 1000 });
    const clock = { now: () => Date.now() };
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    );
    const clientOf = (
      name: string,
      deployment: Deployment,
      identity: JiraClient['identity'],
      totalTimeoutMs = 15_000,
    ): JiraClient => {
      const double = doubles[deployment];
      const cloudSide = deployment === 'cloud';
      const who = identity === 'user' ? SAM_JIRA : double.model.users[0];
      if (!who?.apiToken || !who.pat) throw new Error('the double has no Jira user');
      const auth: AuthStrategy = cloudSide
        ? apiTokenAuth({ email: who.emailAddress, token: who.apiToken })
        : patAuth({ token: who.pat });
      return {
        orgId: ORG,
        connectionName: name,
        authMethod: cloudSide ? 'api_token' : 'pat',
        deployment,
        apiPath: cloudSide ? '/rest/api/3' : '/rest/api/2',
        apiBase: double.url,
        siteUrl: HTTPS_SITE[deployment],
        scopes: [],
        identity,
        send: new JiraTransport({
          baseUrl: double.url,
          auth,
          dispatcher,
          settings: { ...defaultTransportSettings, baseDelayMs: 2, maxDelayMs: 10, totalTimeoutMs },
          clock,
        }).send,
      };
    };
    const services = new Map([
      [CONNECTION.cloud, clientOf(CONNECTION.cloud, 'cloud', 'service')],
      [CONNECTION.server, clientOf(CONNECTION.server, 'server', 'service')],
      [IMPATIENT, clientOf(IMPATIENT, 'cloud', 'service', IMPATIENT_TIMEOUT_MS)],
    ]);
    const users = new Map([
      [CONNECTION.cloud, clientOf(CONNECTION.cloud, 'cloud', 'user')],
      [CONNECTION.server, clientOf(CONNECTION.server, 'server', 'user')],
    ]);
    const clientFor = (clients: Map<string, JiraClient>, name: string) => {
      const client = clients.get(name);
      if (!client) throw new AppError('CONNECTION_NOT_FOUND', `No connection named "${name}".`);
      return client;
    };
    const deps: IssueOperationDeps = {
      jira: {
        clientFor: async (_orgId, name) => clientFor(services, name),
        actingClientFor: async (caller: RelayCaller, name) =>
          clientFor(caller.userId === SAM ? users : services, name),
      },
      auditRecorder: new AuditRecorder(
        // The tenant audits views, so a transition list is audited too.
        new OutboxAuditSink(new OutboxRepository(store), clock, async () => true, logger),
        clock,
        logger,
      ),
    };
    onStart({
      doubles,
      store,
      deps,
      logger,
      logs,
      caller: (userId = ALEX) => ({ orgId: ORG, userId, requestId: `req-${++requests}` }),
      seed: (deployment, projectKey = 'SUP') =>
        doubles[deployment].model.seedIssue(projectKey, { summary: 'Checkout fails' }),
      eventsOf: async (requestId) =>
        (
          await store.db
            .selectFrom('audit_outbox')
            .select('event')
            .where('request_id', '=', requestId)
            .execute()
        ).map((row) => JSON.parse(row.event) as AuditEvent),
    });
  });
  afterAll(async () => {
    await dispatcher.close();
    await store.close();
    await Promise.all([doubles.cloud.stop(), doubles.server.stop()]);
  });
  beforeEach(() => {
    for (const double of Object.values(doubles)) {
      double.faults.clear();
      double.resetCounters();
      double.model.transitionScreens.clear();
    }
    logs.length = 0;
  });
  afterEach(() => {
    expect([...doubles.cloud.violations, ...doubles.server.violations]).toEqual([]);
  });
}

/** The AppError an operation failed with (any other failure fails the test). */
export async function failureOf(work: Promise<unknown>): Promise<AppError> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}
