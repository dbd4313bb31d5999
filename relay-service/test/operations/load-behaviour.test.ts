import type {
  IssueWrite,
  IssueWriteListener,
  IssueWriteNotices,
} from '../../src/store/issue-write-notices';
import { ORG_ID, metricsOf } from '../support/relay';
import { ENGINES } from '../support/stores';
import {
  caseRecord,
  incidentTemplate,
  newKey,
  newRecordId,
  startCreateWorld,
  USER,
  type CreateWorld,
} from './create-fixtures';

/**
 * What callers of the relay see when Jira cannot keep up: an immediate answer with Retry-After
 * instead of a long queue, a create that never got a slot left free to retry, and identical
 * views sharing one Jira call (counted in /metrics).
 */

const ISSUE_ROUTE = 'GET /rest/api/3/issue/{issueIdOrKey}';
const CREATE_ROUTE = 'POST /rest/api/3/issue';

/** The value of one metric line, e.g. `name{labels} 9`. */
function metricValue(text: string, name: string, labels: Record<string, string>): number {
  const line = text
    .split('\n')
    .find(
      (l) =>
        l.startsWith(`${name}{`) &&
        Object.entries(labels).every(([key, value]) => l.includes(`${key}="${value}"`)),
    );
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const refusals = (text: string) =>
  metricValue(text, 'relay_jira_calls_refused_total', {
    tenant: ORG_ID,
    connection: 'cloud',
    code: 'SERVICE_UNAVAILABLE',
  }) || 0;

describe.each(ENGINES)('the relay under load on %s', (engine) => {
  let world: CreateWorld;
  const template = incidentTemplate('cloud');
  const create = (key: string) =>
    world.call(
      'POST',
      '/v1/issues',
      { template, record: caseRecord(newRecordId()), user: USER },
      { 'Idempotency-Key': key },
    );

  beforeAll(async () => {
    // Two calls at a time on a connection, and a short wait for a slot: two slow reads block
    // everything else.
    world = await startCreateWorld({
      engine,
      jiraTransport: {
        maxConcurrent: 2,
        initialConcurrent: 2,
        minConcurrent: 2,
        maxQueueWaitMs: 100,
      },
    });
  });
  afterAll(() => world.stop());
  beforeEach(async () => {
    while (world.cloud.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    world.cloud.faults.clear();
    world.cloud.resetCounters();
  });

  it('when a create finds no slot within the wait budget then it is answered 503 with Retry-After and its key stays free', async () => {
    // Two issues; create metadata is then cached, so the next create only POSTs.
    const issueKeys: string[] = [];
    for (const answer of [await create(newKey()), await create(newKey())]) {
      expect(answer.status).toBe(201);
      issueKeys.push((answer.body.issue as { key: string }).key);
    }
    world.cloud.resetCounters();
    const refusedBefore = refusals(await metricsOf(world.relay));

    world.cloud.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 1500, times: 2 });
    const slowViews = issueKeys.map((key) =>
      world.call('GET', `/v1/issues/${key}?connection=cloud`),
    );
    while (world.cloud.inFlight < 2) await new Promise((resolve) => setTimeout(resolve, 5));

    const key = newKey();
    const refused = await create(key);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE', retryAfter: 1 });
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(world.cloud.callsTo(CREATE_ROUTE)).toBe(0);

    expect(refusals(await metricsOf(world.relay)) - refusedBefore).toBe(1);
    for (const view of await Promise.all(slowViews)) expect(view.status).toBe(200);
    // Never sent, so never created: the same key creates the issue now, exactly once.
    const retried = await create(key);
    expect(retried.status).toBe(201);
    expect(retried.body).not.toHaveProperty('replayed');
    expect(world.cloud.callsTo(CREATE_ROUTE)).toBe(1);
  });

  it('when ten people open the same issue at once then Jira is asked once and /metrics counts nine calls saved', async () => {
    const created = await create(newKey());
    const issueKey = (created.body.issue as { key: string }).key;
    world.cloud.resetCounters();
    const before = await metricsOf(world.relay);
    world.cloud.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 300 });
    const views = await Promise.all(
      Array.from({ length: 10 }, () =>
        world.call('GET', `/v1/issues/${issueKey}?connection=cloud`),
      ),
    );
    expect(views.map((v) => v.status)).toEqual(Array(10).fill(200));
    expect(views.every((v) => v.body.key === issueKey)).toBe(true);
    expect(world.cloud.callsTo(ISSUE_ROUTE)).toBe(1);

    const labels = { tenant: ORG_ID, connection: 'cloud' };
    const saved = (text: string) => metricValue(text, 'relay_jira_calls_saved_total', labels) || 0;
    const after = await metricsOf(world.relay);
    expect(saved(after) - saved(before)).toBe(9);
    expect(metricValue(after, 'relay_jira_concurrency_limit', labels)).toBe(2);
    expect(metricValue(after, 'relay_jira_calls_in_flight', labels)).toBe(0);
    expect(metricValue(after, 'relay_jira_calls_queued', labels)).toBe(0);
  });

  it('when someone comments while a view is under way then whoever opens the issue after sees the comment', async () => {
    const created = await create(newKey());
    const issueKey = (created.body.issue as { key: string }).key;
    world.cloud.resetCounters();
    world.cloud.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 300 });
    const early = world.call('GET', `/v1/issues/${issueKey}?connection=cloud`);
    while (world.cloud.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const commented = await world.call('POST', `/v1/issues/${issueKey}/comments`, {
      connection: 'cloud',
      body: 'Customer confirmed the workaround.',
      record: {
        id: '5005g00000Q1w2eAAB',
        url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
      },
      user: USER,
    });
    expect(commented.status).toBe(201);
    const late = await world.call('GET', `/v1/issues/${issueKey}?connection=cloud`);
    expect((await early).status).toBe(200);
    expect(late.body.commentCount).toBe(1);
    expect(world.cloud.callsTo(ISSUE_ROUTE)).toBe(2);
  });
});

/** Stands in for the other relay instances: what this one tells them, and what they tell it. */
class OtherInstances implements IssueWriteNotices {
  readonly published: IssueWrite[] = [];
  private listener: IssueWriteListener | undefined;

  publish(write: IssueWrite): void {
    this.published.push(write);
  }
  subscribe(listener: IssueWriteListener): void {
    this.listener = listener;
    listener.listening(true);
  }
  async close(): Promise<void> {}
  wrote(write: IssueWrite): void {
    this.listener?.written(write);
  }
  heard(listening: boolean): void {
    this.listener?.listening(listening);
  }
}

describe('views shared on one instance of several', () => {
  let world: CreateWorld;
  const others = new OtherInstances();
  const template = incidentTemplate('cloud');

  beforeAll(async () => {
    world = await startCreateWorld({ writeNotices: others });
  });
  afterAll(() => world.stop());
  beforeEach(async () => {
    while (world.cloud.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    others.heard(true);
    world.cloud.faults.clear();
    world.cloud.resetCounters();
  });

  const newIssue = async () => {
    const created = await world.call(
      'POST',
      '/v1/issues',
      { template, record: caseRecord(newRecordId()), user: USER },
      { 'Idempotency-Key': newKey() },
    );
    expect(created.status).toBe(201);
    return (created.body.issue as { key: string }).key;
  };
  const view = (key: string) => world.call('GET', `/v1/issues/${key}?connection=cloud`);
  const readsShared = async () =>
    Number(/^relay_jira_reads_shared (\d+)$/m.exec(await metricsOf(world.relay))?.[1]);

  it('when this instance writes an issue then the other instances are told which issue of which connection', async () => {
    const key = await newIssue();
    others.published.length = 0;
    const commented = await world.call('POST', `/v1/issues/${key}/comments`, {
      connection: 'cloud',
      body: 'Customer confirmed the workaround.',
      record: {
        id: '5005g00000Q1w2eAAB',
        url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
      },
      user: USER,
    });
    expect(commented.status).toBe(201);
    expect(others.published).toEqual([{ orgId: ORG_ID, connection: 'cloud', issueKey: key }]);
  });

  it('when another instance wrote the issue while a view was under way then a later view makes its own call', async () => {
    const key = await newIssue();
    world.cloud.resetCounters();
    world.cloud.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 300 });
    const early = view(key);
    while (world.cloud.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    others.wrote({ orgId: ORG_ID, connection: 'cloud', issueKey: key.toLowerCase() });
    const late = await view(key);
    expect((await early).status).toBe(200);
    expect(late.status).toBe(200);
    expect(world.cloud.callsTo(ISSUE_ROUTE)).toBe(2);
  });

  it('when another instance wrote another connection or tenant then the view under way is still shared', async () => {
    const key = await newIssue();
    world.cloud.resetCounters();
    world.cloud.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 300 });
    const early = view(key);
    while (world.cloud.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    others.wrote({ orgId: ORG_ID, connection: 'dc', issueKey: key });
    others.wrote({ orgId: '00D5g000004QRSTUAY', connection: 'cloud', issueKey: key });
    await Promise.all([early, view(key)]);
    expect(world.cloud.callsTo(ISSUE_ROUTE)).toBe(1);
  });

  it('when this instance cannot hear the others then identical views each call Jira, and share again once it can', async () => {
    const key = await newIssue();
    world.cloud.resetCounters();
    others.heard(false);
    expect(await readsShared()).toBe(0);
    world.cloud.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 200, times: 3 });
    await Promise.all([view(key), view(key), view(key)]);
    expect(world.cloud.callsTo(ISSUE_ROUTE)).toBe(3);

    others.heard(true);
    expect(await readsShared()).toBe(1);
    world.cloud.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 200 });
    await Promise.all([view(key), view(key), view(key)]);
    expect(world.cloud.callsTo(ISSUE_ROUTE)).toBe(4);
  });
});
