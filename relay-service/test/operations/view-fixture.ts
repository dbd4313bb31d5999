import type { AuditEvent } from '../../src/audit/audit-event';
import { AdminClient, HTTPS_SITE, setConnectionSite } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import type { Issue } from '../support/jira-double/model';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { RelayContractValidator } from '../support/relay-openapi';

/**
 * One relay with a Cloud connection (API token) and a Server/DC connection (PAT) against two
 * Jira doubles, for the tests of reading and acting on existing issues. Retry waits are
 * recorded and move the relay's clock instead of sleeping.
 */

export type Deployment = 'cloud' | 'server';

export const DEPLOYMENTS: Deployment[] = ['cloud', 'server'];

/** The connection name each double is reached through. */
export const CONNECTION: Record<Deployment, string> = { cloud: 'cloud', server: 'dc' };

export const RECORD = {
  id: '5005g00000Q1w2eAAB',
  url: 'https://acme.my.salesforce.com/lightning/r/Case/5005g00000Q1w2eAAB/view',
  objectApiName: 'Case',
  title: 'Case 00001026',
};

export const USER = { name: 'Sam Agent', email: 'sam@acme.example' };

/** A template as Apex sends it (relay-contract.md, "Template"). */
export function template(
  deployment: Deployment,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: 'a0B5g00000T3mPlAAB',
    name: 'Support cases',
    objectApiName: 'Case',
    connection: CONNECTION[deployment],
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

export interface IssueActionsWorld {
  relay: TestRelay;
  admin: AdminClient;
  doubles: Record<Deployment, JiraDouble>;
  /** Every wait the Jira transport asked for, in ms. */
  sleeps: number[];
  clock: { now(): number };
  /** A new issue in SUP (or the given project of the double), in its workflow's first status. */
  seed(deployment: Deployment, fields?: Record<string, unknown>, projectKey?: string): Issue;
  /** Audit events queued for one request id (View events only when the tenant audits views). */
  auditOf(requestId: string | null): Promise<AuditEvent[]>;
  /** Every exchange so far checked against relay-service/openapi.yaml. */
  contractProblems(): string[];
  stop(): Promise<void>;
}

export async function startIssueActionsWorld(): Promise<IssueActionsWorld> {
  let now = Date.now();
  const clock = { now: () => now };
  const sleeps: number[] = [];
  const [cloud, server] = await Promise.all([
    startJiraDouble({ deployment: 'cloud' }),
    startJiraDouble({ deployment: 'server' }),
  ]);
  const relay = await startTestRelay({
    clock,
    env: { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' },
    serviceOptions: {
      jiraTransport: { baseDelayMs: 2, maxDelayMs: 10 },
      sleep: (ms) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    },
  });
  const secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
  const admin = new AdminClient(relay, secret, undefined, clock);
  const connect = [
    admin.call('PUT', `/v1/connections/${CONNECTION.cloud}`, {
      deployment: 'cloud',
      baseUrl: cloud.url,
      auth: { method: 'api_token', email: 'ada@example.com', token: 'ATATT-double-api-token-ada' },
    }),
    admin.call('PUT', `/v1/connections/${CONNECTION.server}`, {
      deployment: 'server',
      baseUrl: server.url,
      auth: { method: 'pat', token: 'NjM3-double-pat-ada' },
    }),
  ];
  for (const answer of await Promise.all(connect)) {
    if (answer.status !== 200) throw new Error(`connection failed: ${JSON.stringify(answer.body)}`);
  }
  await setConnectionSite(relay, CONNECTION.cloud, HTTPS_SITE.cloud);
  await setConnectionSite(relay, CONNECTION.server, HTTPS_SITE.server);
  const doubles = { cloud, server };

  return {
    relay,
    admin,
    doubles,
    sleeps,
    clock,
    seed(deployment, fields = {}, projectKey = 'SUP') {
      return doubles[deployment].model.seedIssue(projectKey, {
        summary: 'Checkout fails',
        ...fields,
      });
    },
    async auditOf(requestId) {
      if (!requestId) throw new Error('the response had no X-Request-Id');
      const rows = await relay.services.store.db
        .selectFrom('audit_outbox')
        .select('event')
        .where('request_id', '=', requestId)
        .execute();
      return rows.map((row) => JSON.parse(row.event) as AuditEvent);
    },
    contractProblems() {
      // A deliberate probe of a path that is no issue key has no documented operation to match.
      const documented = admin.exchanges.filter(
        (e) => !/^\/v1\/issues\/bulk\b/.test(e.path) || e.method === 'POST',
      );
      return new RelayContractValidator().checkAll(documented);
    },
    async stop() {
      await relay.stop();
      await Promise.all([cloud.stop(), server.stop()]);
    },
  };
}

/**
 * Registers the hooks every issue-action test file shares: one world for the file, counters,
 * faults and recorded waits reset per test, no OpenAPI violation on either double after each
 * test, and every relay exchange matching relay-service/openapi.yaml at the end.
 */
export function useIssueActionsWorld(
  onStart: (world: IssueActionsWorld) => void,
  options: { auditViews?: boolean } = {},
): void {
  let world: IssueActionsWorld;
  beforeAll(async () => {
    world = await startIssueActionsWorld();
    if (options.auditViews) await world.relay.services.tenants.setAuditViews(ORG_ID, true);
    onStart(world);
  });
  afterAll(async () => {
    try {
      expect(world.contractProblems()).toEqual([]);
    } finally {
      await world.stop();
    }
  });
  beforeEach(() => {
    for (const double of Object.values(world.doubles)) {
      double.resetCounters();
      double.faults.clear();
      double.model.transitionScreens.clear();
    }
    world.sleeps.length = 0;
  });
  afterEach(() => {
    expect([...world.doubles.cloud.violations, ...world.doubles.server.violations]).toEqual([]);
  });
}

/** Rich text as each deployment stores it: an ADF document on Cloud, wiki text on DC. */
export function richText(deployment: Deployment, text: string): unknown {
  return deployment === 'cloud'
    ? {
        version: 1,
        type: 'doc',
        content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
      }
    : text;
}
