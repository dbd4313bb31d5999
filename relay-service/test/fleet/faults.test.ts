import { randomUUID } from 'node:crypto';
import { AdminClient, HTTPS_SITE, setConnectionSite } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { OAuthBrowser } from '../support/oauth-browser';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { RelayContractValidator } from '../support/relay-openapi';
import { SalesforceDouble } from '../support/salesforce-double';
import { ENGINES } from '../support/stores';
import { waitForDrainedOutbox } from '../support/outbox-drained';
import {
  CLOUD_API_TOKEN,
  caseRecord,
  incidentTemplate,
  newRecordId,
} from '../operations/create-fixtures';

/**
 * Every fault kind of Jira and Salesforce that no other suite drives end to end, each under 50
 * concurrent signed creates, comments and views against the real relay (on a real SQLite file
 * and on PostgreSQL, doubles over real sockets). For each: every answer is a success or a documented problem, no
 * idempotency key has two Jira issues, every audit event reaches Salesforce exactly once, and
 * once the fault passes the same requests succeed with no manual step. One line of counts per
 * fault is printed at the end.
 *
 * Proven elsewhere end to end: SIGKILL mid-create (fleet/several-instances), SIGKILL mid outbox
 * batch with Salesforce down (audit/outbox-crash), PostgreSQL restarted under load
 * (fleet/postgres-restart).
 */

jest.setTimeout(60_000);

const PUBLIC_URL = 'https://relay.example.test';
const CLOUD_ID = '5f1c2b9e-0d4a-4c3e-9b7a-1e2f3a4b5c6d';
const OBJECT = 'Jira_Audit_Event__c';
const CREATE = 'POST /rest/api/3/issue';
const VIEW = 'GET /rest/api/3/issue/{issueIdOrKey}';
const COMMENT = 'POST /rest/api/3/issue/{issueIdOrKey}/comment';
/** The relay gives up on one Jira call after this long (small, so the timeout phase is quick). */
const JIRA_TIMEOUT_MS = 3_000;
/** Concurrent requests per fault. */
const LOAD = 50;

type Kind = 'create' | 'comment' | 'view';

interface Answer {
  kind: Kind;
  status: number;
  code?: string;
  detail?: string;
  contentType: string;
  retryAfter: string | null;
  requestId: string;
  outcomeUnknown: boolean;
  replayed: boolean;
  /** The idempotency key of a create. */
  key?: string;
  issueKey?: string;
}

interface Row {
  fault: string;
  requests: number;
  answers: string;
  jiraCreates: number;
  issues: number;
  duplicates: number;
  auditWritten: number;
  auditDelivered: number;
  auditDuplicated: number;
  retryRounds: number;
  recovered: 'yes' | 'no';
}

/** Problems a user may meet during a fault: each clear, each documented in openapi.yaml. */
const FAULT_ANSWERS = new Set([
  '429 JIRA_RATE_LIMITED',
  '503 SERVICE_UNAVAILABLE',
  '503 JIRA_UNAVAILABLE',
  '502 JIRA_UNAVAILABLE',
  '409 IDEMPOTENCY_IN_FLIGHT',
]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe.each(ENGINES)(
  'faults of Jira and Salesforce under 50 concurrent requests, end to end, on %s',
  (engine) => {
    let jira: JiraDouble;
    let salesforce: SalesforceDouble;
    let relay: TestRelay;
    let client: AdminClient;
    const rows: Row[] = [];
    /** The issue every comment and view of a phase is about. */
    let target: string;
    const recordOfKey = new Map<string, string>();
    /** Create calls that got past Jira's authentication (only those can create an issue). */
    const creatingCalls = () =>
      jira.log.filter((entry) => entry.key === CREATE && entry.actor !== undefined).length;
    const refreshes = () =>
      jira.oauth!.tokenRequests.filter((r) => r.grant_type === 'refresh_token').length;

    beforeAll(async () => {
      jira = await startJiraDouble({ deployment: 'cloud' });
      jira.addSite({ id: CLOUD_ID, name: 'acme', url: HTTPS_SITE.cloud });
      salesforce = await SalesforceDouble.start();
      salesforce.registerClientCredentials('faults-client', 'faults-client-secret-value');
      relay = await startTestRelay({
        engine,
        env: {
          RELAY_PUBLIC_URL: PUBLIC_URL,
          RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
          ATLASSIAN_CLIENT_ID: jira.oauth!.clientId,
          ATLASSIAN_CLIENT_SECRET: jira.oauth!.clientSecret,
          ATLASSIAN_AUTH_URL: jira.url,
          ATLASSIAN_API_URL: jira.url,
          RELAY_TENANT_RATE_LIMIT_PER_MINUTE: '100000',
          RELAY_OUTBOX_POLL_MS: '50',
          RELAY_OUTBOX_LINGER_MS: '50',
          RELAY_OUTBOX_BACKOFF_BASE_MS: '50',
          RELAY_OUTBOX_BACKOFF_MAX_MS: '300',
          RELAY_SALESFORCE_TIMEOUT_MS: '2000',
          // A claim whose send was not marked delivered is sent again after this (and counted).
          RELAY_OUTBOX_LEASE_MS: '3000',
        },
        serviceOptions: {
          jiraTransport: { totalTimeoutMs: JIRA_TIMEOUT_MS, baseDelayMs: 5, maxDelayMs: 20 },
        },
      });
      const secret = await relay.services.tenants.add({
        orgId: ORG_ID,
        name: 'Acme',
        salesforceAuth: {
          type: 'client_credentials',
          loginUrl: salesforce.url,
          clientId: 'faults-client',
          clientSecret: 'faults-client-secret-value',
        },
      });
      client = new AdminClient(relay, secret);
      const started = await client.call('POST', '/v1/connections/oauth/oauth/start', {
        returnUrl: 'https://acme.lightning.force.com/lightning/n/Jira_Setup',
      });
      expect(started.status).toBe(200);
      const { page } = await new OAuthBrowser(relay.url, PUBLIC_URL).authorize(
        started.body.authorizeUrl as string,
      );
      expect(page.status).toBe(200);
      await setConnectionSite(relay, 'oauth', HTTPS_SITE.cloud);
      relay.services.auditDrainer.start();
    });

    beforeEach(() => {
      target = jira.model.seedIssue('OPS', { summary: 'Checkout fails' }).key;
    });

    afterEach(() => {
      jira.faults.clear();
      salesforce.fault = { kind: 'none' };
    });

    afterAll(async () => {
      console.log(
        `faults on ${engine}, ${LOAD} concurrent requests each:\n` +
          table(rows) +
          '\nSIGKILL mid-create: fleet/several-instances; SIGKILL mid outbox batch: audit/outbox-crash; PostgreSQL restart: fleet/postgres-restart',
      );
      await relay?.services.auditDrainer.stop();
      await relay?.stop();
      await Promise.all([jira?.stop(), salesforce?.stop()]);
    });

    async function connectWithApiToken(name: string): Promise<string> {
      const connected = await client.call('PUT', `/v1/connections/${name}`, {
        deployment: 'cloud',
        baseUrl: jira.url,
        auth: CLOUD_API_TOKEN,
      });
      expect(connected.status).toBe(200);
      await setConnectionSite(relay, name, HTTPS_SITE.cloud);
      return name;
    }

    /** The issue summary is the key, so Jira's issues can be counted per key. */
    const create = (key: string, connection: string) => {
      const recordId = recordOfKey.get(key) ?? newRecordId();
      recordOfKey.set(key, recordId);
      return send('create', key, () =>
        client.call(
          'POST',
          '/v1/issues',
          {
            template: incidentTemplate(connection),
            record: caseRecord(recordId, { Subject: key }),
          },
          { 'Idempotency-Key': key },
        ),
      );
    };
    const comment = (connection: string) =>
      send('comment', undefined, () =>
        client.call('POST', `/v1/issues/${target}/comments`, {
          connection,
          body: `Customer called again (${randomUUID()}).`,
          record: {
            id: '5005g00000Q1w2eAAB',
            url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
          },
          user: { name: 'Sam Agent', email: 'sam@acme.example' },
        }),
      );
    const view = (connection: string) =>
      send('view', undefined, () =>
        client.call('GET', `/v1/issues/${target}?connection=${connection}`),
      );

    async function send(
      kind: Kind,
      key: string | undefined,
      request: () => ReturnType<AdminClient['call']>,
    ): Promise<Answer> {
      const answer = await request();
      return {
        kind,
        status: answer.status,
        code: answer.body.code as string | undefined,
        detail: answer.body.detail as string | undefined,
        contentType: answer.headers.get('content-type') ?? '',
        retryAfter: answer.headers.get('retry-after'),
        requestId: answer.headers.get('x-request-id') ?? '',
        outcomeUnknown: answer.body.outcomeUnknown === true,
        replayed: answer.body.replayed === true,
        key,
        issueKey: (answer.body.key ?? (answer.body.issue as { key?: string } | undefined)?.key) as
          string | undefined,
      };
    }

    /** 20 creates (each under its own key), 15 comments and 15 views, all at once. */
    function load(prefix: string, connection: string): Promise<Answer[]> {
      return Promise.all(
        Array.from({ length: LOAD }, (_, i) =>
          i < 20
            ? create(`${prefix}-${randomUUID()}`, connection)
            : i < 35
              ? comment(connection)
              : view(connection),
        ),
      );
    }

    const label = (a: Answer) => (a.status < 300 ? String(a.status) : `${a.status} ${a.code}`);

    /** Every answer a success or a clear, documented problem (with Retry-After where it helps). */
    function expectClearAnswers(answers: Answer[], allowed: Set<string>) {
      const unclear = answers.filter((a) => {
        if (a.status < 300) return false;
        if (!allowed.has(label(a))) return true;
        if (!a.contentType.startsWith('application/problem+json')) return true;
        const waitSaid = /^\d+$/.test(a.retryAfter ?? '');
        if ((a.status === 429 || a.code === 'SERVICE_UNAVAILABLE') && !waitSaid) return true;
        // 502 is only a create whose outcome Jira did not confirm (relay-contract.md).
        if (a.status === 502 && !(a.kind === 'create' && a.outcomeUnknown)) return true;
        return false;
      });
      expect(unclear.map((a) => [a.kind, label(a), a.contentType, a.retryAfter])).toEqual([]);
    }

    /** Issues in Jira per idempotency key of this phase. */
    function issuesPerKey(prefix: string): Map<string, number> {
      const counts = new Map<string, number>();
      for (const issue of jira.model.issues.values()) {
        const summary = String(issue.fields.summary);
        if (summary.startsWith(`${prefix}-`)) counts.set(summary, (counts.get(summary) ?? 0) + 1);
      }
      return counts;
    }

    /**
     * What a client does after a failure: it waits the Retry-After it was given and sends the same
     * request again (a create under its key), a few rounds at most. Settled when it succeeds, or (a
     * create whose outcome Jira never confirmed) replays its "check Jira" answer without a second
     * Jira call.
     */
    async function retryFailed(answers: Answer[], connection: string) {
      const settled = (a: Answer) =>
        a.status < 300 ||
        (a.kind === 'create' && a.status === 502 && a.outcomeUnknown && a.replayed);
      const retries: Answer[] = [];
      let pending = answers.filter((a) => a.status >= 300);
      let rounds = 0;
      while (pending.length > 0 && rounds < 5) {
        rounds += 1;
        const waitS = Math.max(0, ...pending.map((a) => Number(a.retryAfter ?? 0)));
        await sleep(waitS * 1000);
        const again = await Promise.all(
          pending.map((a) =>
            a.kind === 'create'
              ? create(a.key as string, connection)
              : a.kind === 'comment'
                ? comment(connection)
                : view(connection),
          ),
        );
        retries.push(...again);
        pending = again.filter((a) => !settled(a));
      }
      return { retries, rounds, settled: pending.length === 0 };
    }

    /** The rows the relay queued for these answers, after the outbox drained to Salesforce. */
    async function audit(answers: Answer[]) {
      await waitForDrainedOutbox(relay.services.store, 30_000);
      const ids = new Set(answers.map((a) => a.requestId));
      const rowsOf = (
        await relay.services.store.db.selectFrom('audit_outbox').select('request_id').execute()
      ).filter((r) => ids.has(r.request_id.split(':')[0] as string));
      const written = rowsOf.map((r) => r.request_id);
      const records = salesforce
        .records(OBJECT)
        .map((r) => String(r.Request_Id__c))
        .filter((id) => ids.has(id.split(':')[0] as string));
      const duplicated = written.filter((id) => (salesforce.upsertsByExternalId.get(id) ?? 0) > 1);
      return { written, records, duplicated };
    }

    /**
     * Runs one fault: the load, the client's retries and one new create; asserts the invariants
     * and keeps a row of counts.
     */
    async function proveFault(
      fault: string,
      options: {
        prefix: string;
        connection?: string;
        during: (answers: Promise<Answer[]>) => Promise<void>;
        allowed?: Set<string>;
        /** Answers that must be seen (the fault reached the users it should). */
        expectSeen?: string[];
      },
    ) {
      const { prefix } = options;
      // A connection of its own: the adaptive limit and the pauses of one fault do not carry over.
      const connection = options.connection ?? (await connectWithApiToken(prefix));
      const createsBefore = creatingCalls();
      const loading = load(prefix, connection);
      await options.during(loading);
      const answers = await loading;
      expectClearAnswers(answers, options.allowed ?? FAULT_ANSWERS);
      const seen = new Set(answers.map(label));
      for (const expected of options.expectSeen ?? []) expect(seen).toContain(expected);

      jira.faults.clear();
      salesforce.fault = { kind: 'none' };
      const { retries, rounds, settled } = await retryFailed(answers, connection);
      expectClearAnswers(retries, FAULT_ANSWERS);

      const fresh = await create(`${prefix}-${randomUUID()}`, connection);
      const recovered = settled && fresh.status === 201;
      const all = [...answers, ...retries, fresh];

      // No idempotency key has two Jira issues; each key answered 201 has its one issue.
      const perKey = issuesPerKey(prefix);
      const duplicates = [...perKey.values()].filter((n) => n > 1).length;
      expect(duplicates).toBe(0);
      for (const a of all.filter((x) => x.kind === 'create' && x.status === 201))
        expect(perKey.get(a.key as string)).toBe(1);
      // A retry after "outcome unknown" sends no second create: creates Jira accepted the
      // credentials of ≤ keys tried. (A create refused with 401 for an expired token created
      // nothing, and the relay sends it again after the refresh.)
      const keys = new Set(all.filter((a) => a.kind === 'create').map((a) => a.key));
      expect(creatingCalls() - createsBefore).toBeLessThanOrEqual(keys.size);

      // Each create and comment the relay handled has its audit event, delivered exactly once.
      const { written, records, duplicated } = await audit(all);
      expect(new Set(records).size).toBe(records.length);
      expect([...records].sort()).toEqual([...written].sort());
      expect(duplicated).toEqual([]);
      const handled = all.filter(
        (a) =>
          a.kind !== 'view' &&
          !a.replayed &&
          a.code !== 'IDEMPOTENCY_IN_FLIGHT' &&
          a.code !== 'SERVICE_UNAVAILABLE',
      );
      const writtenIds = new Set(written);
      expect(handled.filter((a) => !writtenIds.has(a.requestId)).map(label)).toEqual([]);

      rows.push({
        fault,
        requests: all.length,
        answers: countsOf(answers.map(label)),
        jiraCreates: jira.callsTo(CREATE) - createsBefore,
        issues: [...perKey.values()].reduce((sum, n) => sum + n, 0),
        duplicates,
        auditWritten: written.length,
        auditDelivered: records.length,
        auditDuplicated: duplicated.length,
        retryRounds: rounds,
        recovered: recovered ? 'yes' : 'no',
      });
      expect(recovered).toBe(true);
      return { answers, retries };
    }

    it('when Jira answers a storm of 429s with Retry-After then users get 201 or JIRA_RATE_LIMITED with Retry-After, and a retry after it succeeds', async () => {
      const { answers } = await proveFault('Jira 429 storm, Retry-After 1 s', {
        prefix: 'storm',
        during: async () => {
          // Every Jira route, 40 times: each call meets one 429 or more, and waits it out.
          jira.faults.add({ kind: 'rateLimit', retryAfterSeconds: 1, times: 40 });
        },
        expectSeen: ['429 JIRA_RATE_LIMITED'],
      });
      // Jira refused unprocessed: never "Jira unavailable" or "outcome unknown, check Jira" (a
      // retry sent with too little time left to be answered would time out and say so).
      expect(answers.filter((a) => a.code === 'JIRA_UNAVAILABLE').map(label)).toEqual([]);
    });

    it('when Jira answers a burst of 5xx then reads are retried, writes are answered JIRA_UNAVAILABLE, and nothing is created twice', async () => {
      const { answers } = await proveFault('Jira 5xx burst (500/502/503/504)', {
        prefix: 'burst',
        during: async () => {
          // Creates and comments meet each 5xx; the views' shared call meets two, then an answer.
          for (const status of [500, 502, 503, 504]) {
            jira.faults.add({ route: CREATE, kind: 'status', status, times: 3 });
            jira.faults.add({ route: COMMENT, kind: 'status', status, times: 2 });
          }
          jira.faults.add({ route: VIEW, kind: 'status', status: 503, times: 2 });
        },
        expectSeen: ['502 JIRA_UNAVAILABLE', '503 JIRA_UNAVAILABLE'],
      });
      // A comment Jira answered 5xx may have been added: the user checks Jira before retrying.
      const failedComments = answers.filter((a) => a.kind === 'comment' && a.status === 503);
      expect(failedComments.length).toBeGreaterThan(0);
      for (const a of failedComments) expect(a.detail).toContain('check Jira before retrying');
    });

    it('when Jira creates and comments but answers after the relay timed out then the outcome is unknown, and no retry creates twice', async () => {
      const { answers } = await proveFault('Jira timeouts (answer after the relay gave up)', {
        prefix: 'timeout',
        during: async () => {
          jira.faults.add({
            route: CREATE,
            kind: 'afterHandling',
            delayMs: JIRA_TIMEOUT_MS * 3,
            times: 8,
          });
          jira.faults.add({ route: VIEW, kind: 'delay', ms: JIRA_TIMEOUT_MS * 3, times: 8 });
          jira.faults.add({
            route: COMMENT,
            kind: 'afterHandling',
            delayMs: JIRA_TIMEOUT_MS * 3,
            times: 5,
          });
        },
        expectSeen: ['502 JIRA_UNAVAILABLE'],
      });
      expect(answers.some((a) => a.kind === 'create' && a.outcomeUnknown)).toBe(true);
    });

    it('when the connection to Jira is reset in the middle of its answers then reads are retried, writes are outcome unknown, and nothing is created twice', async () => {
      const { answers } = await proveFault('Jira connection reset mid answer', {
        prefix: 'midbody',
        during: async () => {
          jira.faults.add({ route: CREATE, kind: 'resetMidBody', times: 8 });
          // The views share one Jira call (coalesced); it meets two resets and a third answer.
          jira.faults.add({ route: VIEW, kind: 'resetMidBody', times: 2 });
          jira.faults.add({ route: COMMENT, kind: 'resetMidBody', times: 5 });
        },
        expectSeen: ['502 JIRA_UNAVAILABLE'],
      });
      expect(answers.filter((a) => a.kind === 'view').every((a) => a.status === 200)).toBe(true);
      // A comment Jira may have added is not answered "retry later": the user checks Jira first.
      const lostComments = answers.filter((a) => a.kind === 'comment' && a.status >= 300);
      expect(lostComments.length).toBeGreaterThan(0);
      for (const a of lostComments) expect(a.detail).toContain('check Jira before retrying');
    });

    it('when the OAuth access token expires under load then Atlassian sees one refresh and every request succeeds', async () => {
      const before = refreshes();
      const { answers } = await proveFault('Jira OAuth token expired', {
        prefix: 'expired',
        connection: 'oauth',
        during: async () => {
          jira.oauth!.expireAccessTokens();
        },
        allowed: new Set(),
      });
      expect(answers.every((a) => a.status < 300)).toBe(true);
      expect(refreshes() - before).toBe(1);
    });

    it.each([
      ['Salesforce down (503 SERVER_UNAVAILABLE)', { kind: 'unavailable' } as const, 503],
      [
        'Salesforce over its API limit (403 REQUEST_LIMIT_EXCEEDED)',
        { kind: 'request_limit' } as const,
        403,
      ],
    ])(
      'when %s under load then users are served and every audit event arrives once after',
      async (fault, salesforceFault, status) => {
        const failedBefore = salesforce.countCalls('upsert', (c) => c.status === status);
        const { answers } = await proveFault(fault, {
          prefix: `sf-${salesforceFault.kind}`,
          during: async (loading) => {
            salesforce.fault = salesforceFault;
            await loading;
            await waitFor(
              'a refused write-back',
              () => salesforce.countCalls('upsert', (c) => c.status === status) > failedBefore,
            );
          },
          allowed: new Set(),
        });
        expect(answers.every((a) => a.status < 300)).toBe(true);
      },
    );

    it('when the Salesforce session expires under load then the relay signs in again once and every audit event arrives once', async () => {
      await waitForDrainedOutbox(relay.services.store, 30_000);
      const tokensBefore = salesforce.countCalls('token');
      const refusedBefore = salesforce.countCalls('upsert', (c) => c.status === 401);
      const { answers } = await proveFault('Salesforce session expired (401 INVALID_SESSION_ID)', {
        prefix: 'sf-session',
        during: async () => {
          salesforce.expireSessions();
        },
        allowed: new Set(),
      });
      expect(answers.every((a) => a.status < 300)).toBe(true);
      expect(salesforce.countCalls('token') - tokensBefore).toBe(1);
      expect(salesforce.countCalls('upsert', (c) => c.status === 401) - refusedBefore).toBe(1);
    });

    it('then every audit event of the whole run reached Salesforce exactly once', async () => {
      await waitForDrainedOutbox(relay.services.store, 30_000);
      const written = (
        await relay.services.store.db.selectFrom('audit_outbox').select('request_id').execute()
      ).map((r) => r.request_id);
      const records = salesforce.records(OBJECT).map((r) => String(r.Request_Id__c));
      expect([...records].sort()).toEqual([...written].sort());
      expect([...salesforce.upsertsByExternalId.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    });

    it('then every call and answer matched relay-service/openapi.yaml and Jira saw no violation', () => {
      expect(new RelayContractValidator().checkAll(client.exchanges)).toEqual([]);
      expect(jira.violations).toEqual([]);
    });
  },
);

function countsOf(labels: string[]): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([l, n]) => `${l}: ${n}`)
    .join(', ');
}

function table(rows: Row[]): string {
  const header: (keyof Row)[] = [
    'fault',
    'requests',
    'answers',
    'jiraCreates',
    'issues',
    'duplicates',
    'auditWritten',
    'auditDelivered',
    'auditDuplicated',
    'retryRounds',
    'recovered',
  ];
  const cells = [header.map(String), ...rows.map((r) => header.map((h) => String(r[h])))];
  const widths = header.map((_, i) => Math.max(...cells.map((c) => (c[i] as string).length)));
  return cells
    .map((c) => c.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | '))
    .join('\n');
}
