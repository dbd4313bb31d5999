import { randomUUID } from 'node:crypto';
import { openStore, type Store } from '../../src/store/store';
import { AdminClient, HTTPS_SITE, setConnectionSite } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { OAuthBrowser } from '../support/oauth-browser';
import { ORG_ID, randomNonce, signedFetch, startTestRelay, testRelayEnv } from '../support/relay';
import {
  killHard,
  startRelayProcess,
  startRoundRobinProxy,
  type RelayProcess,
  type RoundRobinProxy,
} from '../support/relay-processes';
import { SalesforceDouble } from '../support/salesforce-double';
import { freshPostgresUrl } from '../support/stores';
import {
  CLOUD_API_TOKEN,
  caseRecord,
  incidentTemplate,
  newRecordId,
} from '../operations/create-fixtures';
import { waitForDrainedOutbox } from '../support/outbox-drained';

/**
 * Three relay processes (the production entry point) on one PostgreSQL behind a round-robin
 * balancer: what one instance promises must hold for the fleet.
 */

// Three relay processes start in the hook (tsx compiles each): slow on a busy machine.
jest.setTimeout(180_000);

const PUBLIC_URL = 'https://relay.example.test';
const CLOUD_ID = '5f1c2b9e-0d4a-4c3e-9b7a-1e2f3a4b5c6d';
const LIMITED_ORG = '00D5g000004QRSTUAY';
const RATE_LIMIT = 120;
const OBJECT = 'Jira_Audit_Event__c';

const issueKeyOf = (answer: { body: Record<string, unknown> }) =>
  (answer.body.issue as { key?: string } | undefined)?.key;

describe('several relay instances on one PostgreSQL behind a round-robin balancer', () => {
  let jira: JiraDouble;
  let salesforce: SalesforceDouble;
  let databaseUrl: string;
  let store: Store;
  let secret: string;
  let limitedSecret: string;
  const relays: RelayProcess[] = [];
  let proxy: RoundRobinProxy;

  /** Signed calls as the tenant admin, through the balancer. */
  let fleet: AdminClient;
  const refreshes = () =>
    jira.oauth!.tokenRequests.filter((r) => r.grant_type === 'refresh_token').length;

  beforeAll(async () => {
    jira = await startJiraDouble({ deployment: 'cloud' });
    jira.addSite({ id: CLOUD_ID, name: 'acme', url: HTTPS_SITE.cloud });
    salesforce = await SalesforceDouble.start();
    salesforce.registerClientCredentials('fleet-client', 'fleet-client-secret-value');
    databaseUrl = await freshPostgresUrl();
    const env = {
      RELAY_PUBLIC_URL: PUBLIC_URL,
      RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
      ATLASSIAN_CLIENT_ID: jira.oauth!.clientId,
      ATLASSIAN_CLIENT_SECRET: jira.oauth!.clientSecret,
      ATLASSIAN_AUTH_URL: jira.url,
      ATLASSIAN_API_URL: jira.url,
      RELAY_TENANT_RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
    };

    // An operator onboards the tenant and an admin connects Jira twice (API token, OAuth).
    const setup = await startTestRelay({ databaseUrl, env });
    secret = await setup.services.tenants.add({
      orgId: ORG_ID,
      name: 'Acme',
      salesforceAuth: {
        type: 'client_credentials',
        loginUrl: salesforce.url,
        clientId: 'fleet-client',
        clientSecret: 'fleet-client-secret-value',
      },
    });
    limitedSecret = await setup.services.tenants.add({ orgId: LIMITED_ORG, name: 'Gamma' });
    const admin = new AdminClient(setup, secret);
    const connected = await admin.call('PUT', '/v1/connections/cloud', {
      deployment: 'cloud',
      baseUrl: jira.url,
      auth: CLOUD_API_TOKEN,
    });
    expect(connected.status).toBe(200);
    await setConnectionSite(setup, 'cloud', HTTPS_SITE.cloud);
    const started = await admin.call('POST', '/v1/connections/oauth/oauth/start', {
      returnUrl: 'https://acme.lightning.force.com/lightning/n/Jira_Setup',
    });
    expect(started.status).toBe(200);
    const { page } = await new OAuthBrowser(setup.url, PUBLIC_URL).authorize(
      started.body.authorizeUrl as string,
    );
    expect(page.status).toBe(200);
    await setup.stop();

    const processEnv = {
      ...testRelayEnv(databaseUrl),
      ...env,
      RELAY_OUTBOX_POLL_MS: '50',
      RELAY_OUTBOX_LINGER_MS: '100',
      // Three processes and the test share two busy cores: a create may wait for its Jira slot
      // longer than the 1 s production budget; this test is about keys, not about that budget.
      RELAY_JIRA_MAX_QUEUE_WAIT_MS: '15000',
    };
    // One after the other: three compiles at once would starve the other test files' workers.
    for (let i = 0; i < 3; i += 1) relays.push(await startRelayProcess(processEnv));
    // The balancer sends nothing to an instance that is gone (its health check would notice).
    proxy = await startRoundRobinProxy(() =>
      relays
        .filter((r) => r.child.exitCode === null && r.child.signalCode === null)
        .map((r) => r.url),
    );
    fleet = new AdminClient(proxy, secret);
    store = openStore({ engine: 'postgres', url: databaseUrl });
  });
  afterAll(async () => {
    await Promise.all(relays.map(killHard));
    await proxy?.stop();
    await store?.close();
    await Promise.all([jira?.stop(), salesforce?.stop()]);
  });

  it('when each of 10 creates is retried at once on every instance with its key then Jira gets one issue per key', async () => {
    const issuesBefore = jira.model.issues.size;
    const createsBefore = jira.callsTo('POST /rest/api/3/issue');
    // Jira is slow enough that the retries arrive while the first attempt is still creating.
    jira.faults.add({ route: 'POST /rest/api/3/issue', kind: 'delay', ms: 300, times: 10 });
    const keys = Array.from({ length: 10 }, () => `key-${randomUUID()}`);
    const payloads = keys.map(() => ({
      template: incidentTemplate('cloud'),
      record: caseRecord(newRecordId()),
    }));
    const create = (i: number) =>
      fleet.call('POST', '/v1/issues', payloads[i], {
        'Idempotency-Key': keys[i] as string,
      });
    const answers = await Promise.all(keys.flatMap((_, i) => [create(i), create(i), create(i)]));
    const created = answers.filter((a) => a.status === 201);
    const inFlight = answers.filter((a) => a.status === 409);
    expect(
      answers.filter((a) => a.status !== 201 && a.status !== 409).map((a) => [a.status, a.body]),
    ).toEqual([]);
    for (const answer of inFlight) expect(answer.body.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    // Every key's answers name one issue.
    const issuesByKey = new Set(created.map((a) => issueKeyOf(a)));
    expect(issuesByKey.size).toBe(10);
    expect(jira.model.issues.size - issuesBefore).toBe(10);
    expect(jira.callsTo('POST /rest/api/3/issue') - createsBefore).toBe(10);
    // Retried later, each key replays its first answer from whichever instance gets it.
    const replays = await Promise.all(keys.map((_, i) => create(i)));
    replays.forEach((replay, i) => {
      expect(replay.status).toBe(201);
      expect(replay.body.key).toBe(
        answers.find((a, j) => a.status === 201 && Math.floor(j / 3) === i)?.body.key,
      );
    });
    expect(jira.model.issues.size - issuesBefore).toBe(10);
    process.stdout.write(
      `several instances, idempotency: 30 requests for 10 keys -> ${created.length} created, ${inFlight.length} in flight (409), ${jira.model.issues.size - issuesBefore} Jira issues\n`,
    );
  });

  it('when the OAuth access token expires under 30 concurrent requests on three instances then Atlassian sees one refresh per expiry', async () => {
    for (let expiry = 1; expiry <= 2; expiry += 1) {
      const before = refreshes();
      jira.oauth!.expireAccessTokens();
      const answers = await Promise.all(
        Array.from({ length: 30 }, () => fleet.call('POST', '/v1/connections/oauth/test')),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
      expect(refreshes() - before).toBe(1);
    }
    const connection = await fleet.call('GET', '/v1/connections');
    expect(
      (connection.body.connections as { name: string; status: string }[]).find(
        (c) => c.name === 'oauth',
      )?.status,
    ).toBe('active');
  });

  it('when a signed request is replayed to another instance then it is refused there', async () => {
    const nonce = randomNonce();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const send = (relay: RelayProcess) =>
      signedFetch(relay.url, {
        method: 'GET',
        path: '/v1/connections',
        orgId: ORG_ID,
        secret,
        nonce,
        timestamp,
      });
    const first = await send(relays[0] as RelayProcess);
    expect(first.status).toBe(200);
    for (const other of [relays[1], relays[2]] as RelayProcess[]) {
      const replayed = await send(other);
      expect(replayed.status).toBe(401);
      expect(((await replayed.json()) as { code: string }).code).toBe('REPLAYED');
    }
  });

  it('when someone comments through one instance while another reads the issue then whoever opens it there after sees the comment', async () => {
    const issue = jira.model.seedIssue('SUP', { summary: 'Checkout fails' });
    const route = 'GET /rest/api/3/issue/{issueIdOrKey}';
    const [writer, reader] = relays as [RelayProcess, RelayProcess];
    const view = () =>
      new AdminClient(reader, secret).call('GET', `/v1/issues/${issue.key}?connection=cloud`);
    // Jira reads the issue at once and answers a second later: that answer predates the comment.
    jira.faults.add({ route, kind: 'afterHandling', delayMs: 1000 });
    const readsBefore = jira.callsTo(route);
    const early = view();
    while (jira.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    const commented = await new AdminClient(writer, secret).call(
      'POST',
      `/v1/issues/${issue.key}/comments`,
      {
        connection: 'cloud',
        body: 'Customer confirmed the workaround.',
        record: {
          id: '5005g00000Q1w2eAAB',
          url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
        },
      },
    );
    expect(commented.status).toBe(201);
    expect(jira.inFlight).toBe(1); // the reader's early read is still under way
    const late = await view();

    expect(late.status).toBe(200);
    expect(late.body.commentCount).toBe(1);
    expect(jira.callsTo(route) - readsBefore).toBe(2);
    expect((await early).body.commentCount).toBe(0);
  });

  it('when one tenant sends twice its limit spread over the instances then the fleet serves its limit once', async () => {
    const minute = () => Math.floor(Date.now() / 60_000);
    // Start at the beginning of a minute when this one is nearly over: the limit is per minute.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 30_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
    const started = minute();
    const statuses = await Promise.all(
      Array.from({ length: RATE_LIMIT * 2 }, async () => {
        const response = await signedFetch(proxy.url, {
          method: 'GET',
          path: '/v1/connections',
          orgId: LIMITED_ORG,
          secret: limitedSecret,
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    const served = statuses.filter((s) => s === 200).length;
    const limited = statuses.filter((s) => s === 429).length;
    process.stdout.write(
      `several instances, rate limit ${RATE_LIMIT}/min: ${statuses.length} requests -> ${served} served, ${limited} refused (429)\n`,
    );
    expect(served + limited).toBe(statuses.length);
    // A burst that straddles a minute boundary meets two windows (each holds the limit).
    if (minute() === started) expect(served).toBe(RATE_LIMIT);
    else expect(served).toBeLessThanOrEqual(2 * RATE_LIMIT);
  });

  it('when the instances have drained the outbox then every audit event reached Salesforce exactly once', async () => {
    await waitForDrainedOutbox(store);
    const rows = await store.db.selectFrom('audit_outbox').select('request_id').execute();
    const sent = salesforce.records(OBJECT).map((r) => String(r.Request_Id__c));
    // At least the two connects and the ten creates.
    expect(rows.length).toBeGreaterThanOrEqual(12);
    expect(sent.sort()).toEqual(rows.map((r) => r.request_id).sort());
    expect([...salesforce.upsertsByExternalId.values()].every((n) => n === 1)).toBe(true);
    const upserts = salesforce.countCalls('upsert');
    process.stdout.write(
      `several instances, audit: ${rows.length} events -> ${sent.length} Salesforce records, ${upserts} upsert calls, max upserts per event ${Math.max(...salesforce.upsertsByExternalId.values())}\n`,
    );
    // Each instance served part of the traffic.
    expect(proxy.forwarded.size).toBe(3);
  });

  it('when the instance running a create is killed mid-call then retries with its key get a clear 409, Jira never gets a second issue, and the other instances keep serving', async () => {
    const create = 'POST /rest/api/3/issue';
    const victim = relays[2] as RelayProcess;
    const key = `key-${randomUUID()}`;
    const payload = { template: incidentTemplate('cloud'), record: caseRecord(newRecordId()) };
    const createsBefore = jira.callsTo(create);
    const issuesBefore = jira.model.issues.size;
    jira.faults.add({ route: create, kind: 'delay', ms: 3_000 });
    const lost = new AdminClient(victim, secret)
      .call('POST', '/v1/issues', payload, { 'Idempotency-Key': key })
      .then(
        () => 'answered',
        () => 'connection lost',
      );
    const deadline = Date.now() + 30_000;
    while (jira.callsTo(create) === createsBefore) {
      if (Date.now() > deadline) throw new Error('the create never reached Jira');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await killHard(victim);
    expect(await lost).toBe('connection lost');

    const retries = await Promise.all(
      [0, 1, 2, 3].map(() => fleet.call('POST', '/v1/issues', payload, { 'Idempotency-Key': key })),
    );
    for (const retry of retries) {
      expect(retry.status).toBe(409);
      expect(retry.body.code).toBe('IDEMPOTENCY_IN_FLIGHT');
      expect(retry.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    // Recovery without a person: the two live instances serve new work.
    const fresh = await fleet.call(
      'POST',
      '/v1/issues',
      { template: incidentTemplate('cloud'), record: caseRecord(newRecordId()) },
      { 'Idempotency-Key': `key-${randomUUID()}` },
    );
    expect(fresh.status).toBe(201);
    const health = await fetch(`${proxy.url}/healthz`);
    expect(health.status).toBe(200);
    expect(jira.callsTo(create) - createsBefore).toBe(2);
    expect(jira.model.issues.size - issuesBefore).toBeLessThanOrEqual(2);
    process.stdout.write(
      `fault, SIGKILL mid-create: ${retries.length} retries -> ${retries.filter((r) => r.status === 409).length} x 409 IDEMPOTENCY_IN_FLIGHT; Jira creates for the key: ${jira.callsTo(create) - createsBefore - 1}; new create after the kill: ${fresh.status}\n`,
    );
  });
});
