import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store';
import { AdminClient, HTTPS_SITE, setConnectionSite } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { startTestRelay, testRelayEnv, ORG_ID } from '../support/relay';
import { killHard, startRelayProcess, type RelayProcess } from '../support/relay-processes';
import {
  startRestartablePostgres,
  type RestartablePostgres,
} from '../support/restartable-postgres';
import { SalesforceDouble } from '../support/salesforce-double';
import { tempDir } from '../support/stores';
import {
  CLOUD_API_TOKEN,
  caseRecord,
  incidentTemplate,
  newRecordId,
} from '../operations/create-fixtures';
import { waitForDrainedOutbox } from '../support/outbox-drained';

/**
 * The relay's own PostgreSQL server stops in the middle of signed creates and comments and
 * starts again on the same data folder and port. Users meanwhile get a clear 503 problem (not
 * a hang, not a 500, not a dead process); afterwards the same relay process serves again, no
 * idempotency key has two Jira issues, and every answered operation has one audit event in
 * Salesforce.
 */

// A relay process (tsx compiles it) and a PostgreSQL server of its own: slow on a busy machine.
jest.setTimeout(240_000);

const OBJECT = 'Jira_Audit_Event__c';
const WORKERS = 6;

interface Answer {
  kind: 'create' | 'comment';
  phase: 'before' | 'down' | 'after' | 'retry';
  status: number;
  code?: string;
  contentType: string;
  retryAfter: string | null;
  requestId: string | null;
  key?: string;
  /** The Jira issue a create answered with (first answer or replay). */
  issueKey?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PostgreSQL restarted under load', () => {
  let folder: string;
  let postgres: RestartablePostgres;
  let databaseUrl: string;
  let jira: JiraDouble;
  let salesforce: SalesforceDouble;
  let relay: RelayProcess;
  let secret: string;

  beforeAll(async () => {
    folder = tempDir('pharos-pg-restart-');
    postgres = await startRestartablePostgres(folder);
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    await admin.query('create database relay');
    await admin.end();
    databaseUrl = postgres.adminUrl.replace(/\/postgres$/, '/relay');

    jira = await startJiraDouble({ deployment: 'cloud' });
    salesforce = await SalesforceDouble.start();
    salesforce.registerClientCredentials('restart-client', 'restart-client-secret-value');
    const env = { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' };
    const setup = await startTestRelay({ databaseUrl, env });
    secret = await setup.services.tenants.add({
      orgId: ORG_ID,
      name: 'Acme',
      salesforceAuth: {
        type: 'client_credentials',
        loginUrl: salesforce.url,
        clientId: 'restart-client',
        clientSecret: 'restart-client-secret-value',
      },
    });
    const connected = await new AdminClient(setup, secret).call('PUT', '/v1/connections/cloud', {
      deployment: 'cloud',
      baseUrl: jira.url,
      auth: CLOUD_API_TOKEN,
    });
    expect(connected.status).toBe(200);
    await setConnectionSite(setup, 'cloud', HTTPS_SITE.cloud);
    await setup.stop();

    relay = await startRelayProcess({
      ...testRelayEnv(databaseUrl),
      ...env,
      RELAY_OUTBOX_POLL_MS: '50',
      RELAY_OUTBOX_LINGER_MS: '100',
      // A pass that sent to Salesforce but could not mark its claim delivered (the store was
      // gone) leaves the events leased; they are due again when the lease ends. Shorter here.
      RELAY_OUTBOX_LEASE_MS: '8000',
      RELAY_SALESFORCE_TIMEOUT_MS: '5000',
      // The relay process and the test share two busy cores; this test is not about the budget.
      RELAY_JIRA_MAX_QUEUE_WAIT_MS: '15000',
    });
  });
  afterAll(async () => {
    if (relay) await killHard(relay);
    await Promise.all([jira?.stop(), salesforce?.stop()]);
    await postgres?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('when PostgreSQL stops mid-load and starts again then users get 503 SERVICE_UNAVAILABLE meanwhile, the same process recovers, one issue per key, every answered operation audited once', async () => {
    const client = new AdminClient(relay, secret);
    const commented = jira.model.seedIssue('OPS', { summary: 'Checkout fails' });
    let phase: Answer['phase'] = 'before';
    let running = true;
    const answers: Answer[] = [];

    const send = async (
      kind: Answer['kind'],
      request: () => ReturnType<AdminClient['call']>,
      key?: string,
    ) => {
      const at = phase;
      const answer = await request();
      answers.push({
        kind,
        phase: at,
        status: answer.status,
        code: answer.body.code as string | undefined,
        contentType: answer.headers.get('content-type') ?? '',
        retryAfter: answer.headers.get('retry-after'),
        requestId: answer.headers.get('x-request-id'),
        key,
        issueKey: (answer.body.key ?? (answer.body.issue as { key?: string } | undefined)?.key) as
          string | undefined,
      });
    };
    // The issue summary is the key, so Jira's issues can be counted per key. A retry sends the
    // very request it retries (same record), as a client does.
    const recordOfKey = new Map<string, string>();
    const create = (key: string, at?: Answer['phase']) => {
      const recordId = recordOfKey.get(key) ?? newRecordId();
      recordOfKey.set(key, recordId);
      const request = () =>
        client.call(
          'POST',
          '/v1/issues',
          {
            template: incidentTemplate('cloud'),
            record: caseRecord(recordId, { Subject: key }),
          },
          { 'Idempotency-Key': key },
        );
      if (at) phase = at;
      return send('create', request, key);
    };
    const comment = () =>
      send('comment', () =>
        client.call('POST', `/v1/issues/${commented.key}/comments`, {
          connection: 'cloud',
          body: `Customer called again (${randomUUID()}).`,
          record: {
            id: '5005g00000Q1w2eAAB',
            url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
          },
          user: { name: 'Sam Agent', email: 'sam@acme.example' },
        }),
      );
    const worker = async (index: number) => {
      for (let i = 0; running; i += 1) {
        if ((i + index) % 2 === 0) await create(`restart-${randomUUID()}`);
        else await comment();
      }
    };

    const load = Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
    await sleep(1_500);
    phase = 'down';
    await postgres.stop();
    await sleep(2_000);
    await postgres.start();
    phase = 'after';
    // Serving again without a restart: wait for answers after the restart, then a little more.
    const deadline = Date.now() + 60_000;
    while (answers.filter((a) => a.phase === 'after' && a.status < 300).length < 10) {
      if (Date.now() > deadline) throw new Error('the relay did not recover after the restart');
      await sleep(50);
    }
    running = false;
    await load;

    // Every answer was a success or the one clear outage problem.
    const unexpected = answers.filter(
      (a) =>
        a.status >= 300 &&
        !(
          a.status === 503 &&
          a.code === 'SERVICE_UNAVAILABLE' &&
          a.contentType.startsWith('application/problem+json') &&
          /^\d+$/.test(a.retryAfter ?? '')
        ),
    );
    expect(unexpected).toEqual([]);
    const unavailable = answers.filter((a) => a.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(relay.child.exitCode).toBeNull();
    expect(relay.child.signalCode).toBeNull();

    // Clients retry what failed with the same key: never a second issue for it.
    const retried = [
      ...new Set(answers.filter((a) => a.kind === 'create' && a.status === 503).map((a) => a.key)),
    ] as string[];
    for (const key of retried) await create(key, 'retry');
    const retries = answers.filter((a) => a.phase === 'retry');
    // A create whose outcome was written when the store was already gone keeps its key in flight
    // until its lease ends: 409, never a second Jira call.
    expect(
      retries.filter(
        (a) => a.status !== 201 && !(a.status === 409 && a.code === 'IDEMPOTENCY_IN_FLIGHT'),
      ),
    ).toEqual([]);
    const issuesPerKey = new Map<string, number>();
    for (const issue of jira.model.issues.values()) {
      const summary = String(issue.fields.summary);
      if (summary.startsWith('restart-'))
        issuesPerKey.set(summary, (issuesPerKey.get(summary) ?? 0) + 1);
    }
    const maxIssuesPerKey = Math.max(...issuesPerKey.values());
    expect(maxIssuesPerKey).toBe(1);
    const createdKeys = new Set(
      answers.filter((a) => a.kind === 'create' && a.status === 201).map((a) => a.key),
    );
    for (const key of createdKeys) expect(issuesPerKey.get(key as string)).toBe(1);

    // The outbox drains on the same process; Salesforce holds each answered operation once.
    const store: Store = openStore({ engine: 'postgres', url: databaseUrl });
    try {
      await waitForDrainedOutbox(store);
      const rows = await store.db.selectFrom('audit_outbox').select('request_id').execute();
      const sent = salesforce.records(OBJECT).map((r) => String(r.Request_Id__c));
      expect(new Set(sent).size).toBe(sent.length);
      expect([...sent].sort()).toEqual(rows.map((r) => r.request_id).sort());
      // Each issue created has one Create event, each comment answered 201 its own event. A
      // retry replays its key's first answer; that first attempt's event is the one that counts
      // (it may have committed just as the store went away and been answered 503).
      const events = salesforce.records(OBJECT);
      const ok = answers.filter((a) => a.status < 300);
      const createdIssues = new Set(
        ok.filter((a) => a.kind === 'create').map((a) => a.issueKey as string),
      );
      const comments = ok.filter((a) => a.kind === 'comment');
      const auditedIssues = [...createdIssues].filter(
        (key) =>
          events.filter(
            (e) =>
              e.Operation__c === 'Create' && e.Outcome__c === 'Success' && e.Issue_Key__c === key,
          ).length === 1,
      );
      const auditedComments = comments.filter(
        (a) => events.filter((e) => e.Request_Id__c === a.requestId).length === 1,
      );
      const operations = createdIssues.size + comments.length;
      const audited = auditedIssues.length + auditedComments.length;
      expect(audited).toBe(operations);

      process.stdout.write(
        `PostgreSQL restart: ${answers.length} requests, ${ok.length} ok, ${unavailable.length} 503, ` +
          `${retries.filter((a) => a.status === 409).length} retries still in flight (409), ` +
          `issues per key max ${maxIssuesPerKey}, audit events ${audited}/${operations} ` +
          `(${sent.length} in Salesforce, max upserts per event ${Math.max(...salesforce.upsertsByExternalId.values())})\n`,
      );
    } finally {
      await store.close();
    }
  });
});
