import { Agent } from 'undici';
import { AppQuota } from '../../src/jira/app-quota';
import { apiTokenAuth } from '../../src/jira/auth/api-token';
import { ReadCoalescer } from '../../src/jira/read-coalescer';
import {
  defaultTransportSettings,
  JiraTransport,
  wasNeverSent,
  type JiraRequest,
  type JiraResponse,
  type QuotaGate,
  type TransportDeps,
  type TransportSettings,
} from '../../src/jira/transport';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';

/**
 * The transport under load against the Cloud double: the adaptive limit moving with Jira's
 * answers, the bounded wait for a slot, and identical reads sharing one call. Behaviour is
 * asserted through the calls the double counts, never through timings.
 */

const ISSUE_ROUTE = 'GET /rest/api/3/issue/{issueIdOrKey}';
const COMMENT_ROUTE = 'POST /rest/api/3/issue/{issueIdOrKey}/comment';

const adf = (text: string) => ({
  type: 'doc',
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

describe('Jira transport under load', () => {
  let jira: JiraDouble;
  let dispatcher: Agent;
  let now: number;
  let counts: { coalesced: number; refused: string[] };
  const keys: string[] = [];

  beforeAll(async () => {
    jira = await startJiraDouble({ deployment: 'cloud' });
    dispatcher = new Agent({ keepAliveTimeout: 1000, connections: 256 });
    for (let i = 0; i < 60; i += 1)
      keys.push(jira.model.seedIssue('SUP', { summary: `Issue ${i}` }).key);
  });
  afterAll(async () => {
    await dispatcher.close();
    await jira.stop();
  });
  beforeEach(async () => {
    // A slow answer from an earlier test may still be running inside the double.
    while (jira.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    now = 1_800_000_000_000;
    counts = { coalesced: 0, refused: [] };
    jira.faults.clear();
    jira.resetCounters();
  });
  afterEach(() => expect(jira.violations).toEqual([]));

  function transport(
    settings: Partial<TransportSettings> = {},
    quota?: QuotaGate,
    reads?: TransportDeps['reads'],
  ) {
    return new JiraTransport({
      baseUrl: jira.url,
      auth: apiTokenAuth({ email: 'ada@example.com', token: 'ATATT-double-api-token-ada' }),
      dispatcher,
      settings: { ...defaultTransportSettings, baseDelayMs: 10, ...settings },
      clock: { now: () => now },
      sleep: async (ms) => {
        now += ms;
      },
      random: () => 0.5,
      observer: {
        coalesced: () => (counts.coalesced += 1),
        refused: (code) => counts.refused.push(code),
      },
      quota,
      reads,
    });
  }

  const view = (key: string): JiraRequest => ({
    method: 'GET',
    path: `/rest/api/3/issue/${key}`,
    query: { fields: 'summary,comment' },
    issueKey: key,
  });
  const comment = (key: string, text: string): JiraRequest => ({
    method: 'POST',
    path: `/rest/api/3/issue/${key}/comment`,
    body: { body: adf(text) },
    issueKey: key,
  });
  const commentCount = (answer: { body: unknown }) =>
    (answer.body as { fields: { comment: { comments: unknown[] } } }).fields.comment.comments
      .length;

  describe('the adaptive limit', () => {
    it('when Jira answers many different reads quickly then the limit grows from where it started', async () => {
      const client = transport({
        initialConcurrent: 4,
        minConcurrent: 2,
        maxConcurrent: 64,
        maxQueueWaitMs: 30_000,
      });
      await Promise.all(keys.map((key) => client.send(view(key))));
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(keys.length);
      expect(client.slots.limit.current).toBeGreaterThan(4);
      expect(jira.maxInFlight).toBeLessThanOrEqual(64);
    });

    it('when Jira answers 429 then the limit shrinks, and Retry-After still pauses the connection', async () => {
      const client = transport({ initialConcurrent: 32 });
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'rateLimit', retryAfterSeconds: 1 });
      const before = client.slots.limit.current;
      const answer = await client.send(view(keys[0] as string));
      expect(answer.status).toBe(200);
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(2); // waited out Retry-After, then sent again
      expect(client.slots.limit.current).toBe(before / 2);
    });

    it('when Jira answers 503 then the limit shrinks', async () => {
      const client = transport({ initialConcurrent: 32 });
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'status', status: 503 });
      await client.send(view(keys[0] as string));
      expect(client.slots.limit.current).toBe(16);
    });

    it('when Jira starts answering far slower than usual then the limit shrinks', async () => {
      const client = transport({ initialConcurrent: 40, maxConcurrent: 64 });
      for (const key of keys.slice(0, 20)) await client.send(view(key)); // the usual time
      const before = client.slots.limit.current;
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 700, times: 8 });
      await Promise.all(keys.slice(20, 28).map((key) => client.send(view(key))));
      expect(client.slots.limit.current).toBeLessThan(before);
    });
  });

  describe('the bounded wait for a slot', () => {
    it('when every slot stays busy beyond the budget then the caller gets SERVICE_UNAVAILABLE with Retry-After and nothing is sent', async () => {
      const client = transport({ maxConcurrent: 2, initialConcurrent: 2, maxQueueWaitMs: 100 });
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 1500, times: 2 });
      const busy = [client.send(view(keys[0] as string)), client.send(view(keys[1] as string))];
      const error: unknown = await client.send(comment(keys[2] as string, 'hi')).catch((e) => e);
      expect(error).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503, retryAfter: 1 });
      expect(wasNeverSent(error)).toBe(true);
      expect(jira.callsTo(COMMENT_ROUTE)).toBe(0);
      expect(counts.refused).toEqual(['SERVICE_UNAVAILABLE']);
      await Promise.all(busy);
    });

    it('when the slots are full after Jira asked to slow down then the caller gets JIRA_RATE_LIMITED', async () => {
      const client = transport({ maxConcurrent: 2, initialConcurrent: 2, maxQueueWaitMs: 100 });
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'rateLimit', retryAfterSeconds: 0 });
      await client.send(view(keys[0] as string)); // 429, then answered
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 1500, times: 2 });
      const busy = [client.send(view(keys[1] as string)), client.send(view(keys[2] as string))];
      const error: unknown = await client.send(view(keys[3] as string)).catch((e) => e);
      expect(error).toMatchObject({ code: 'JIRA_RATE_LIMITED', status: 429 });
      expect((error as { retryAfter: number }).retryAfter).toBeGreaterThanOrEqual(1);
      expect(wasNeverSent(error)).toBe(true);
      await Promise.all(busy);
    });

    it('when Jira paused the connection for longer than the budget then a new caller is answered at once, nothing sent', async () => {
      const client = transport({ maxQueueWaitMs: 1000, maxRetryAfterMs: 5000 });
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'rateLimit', retryAfterSeconds: 30 });
      await expect(client.send(view(keys[0] as string))).rejects.toMatchObject({
        code: 'JIRA_RATE_LIMITED',
        jiraStatus: 429,
      });
      const error: unknown = await client.send(comment(keys[1] as string, 'x')).catch((e) => e);
      expect(error).toMatchObject({ code: 'JIRA_RATE_LIMITED', retryAfter: 30 });
      expect(wasNeverSent(error)).toBe(true);
      expect(jira.callsTo(COMMENT_ROUTE)).toBe(0);
    });

    it('when Jira paused the connection for less than the budget then a new caller waits it out and is served', async () => {
      const client = transport({ maxQueueWaitMs: 5000 });
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'rateLimit', retryAfterSeconds: 2 });
      await client.send(view(keys[0] as string));
      expect((await client.send(view(keys[1] as string))).status).toBe(200);
    });
  });

  describe('coalesced reads', () => {
    it('when ten callers read the same issue at once then Jira is called once and nine calls are saved', async () => {
      const client = transport();
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 100 });
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => client.send(view(keys[0] as string))),
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(1);
      expect(counts.coalesced).toBe(9);
    });

    it('when reads differ in path or query then each makes its own call', async () => {
      const client = transport();
      const key = keys[0] as string;
      await Promise.all([
        client.send(view(key)),
        client.send({ ...view(key), query: { fields: 'summary' } }),
        client.send(view(keys[1] as string)),
      ]);
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(3);
      expect(counts.coalesced).toBe(0);
    });

    it('when a read is answered then the next identical read makes a new call (no cache)', async () => {
      const client = transport();
      await client.send(view(keys[0] as string));
      await client.send(view(keys[0] as string));
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(2);
    });

    it('when a write to the issue completes while a read is under way then a later reader does not get that read', async () => {
      const client = transport();
      const key = keys[4] as string;
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 400 });
      const early = client.send(view(key));
      const joinedBeforeWrite = client.send(view(key));
      await client.send(comment(key, 'written while the read was under way'));
      const late = await client.send(view(key));
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(2);
      expect(counts.coalesced).toBe(1); // only the caller that came before the write
      expect(commentCount(late)).toBe(1);
      await Promise.all([early, joinedBeforeWrite]);
    });

    it('when a write fails then later readers still get a fresh read (it may have changed Jira)', async () => {
      const client = transport();
      const key = keys[5] as string;
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 400 });
      jira.faults.add({ route: COMMENT_ROUTE, kind: 'reset' });
      const early = client.send(view(key));
      await expect(client.send(comment(key, 'lost'))).rejects.toMatchObject({
        code: 'JIRA_UNAVAILABLE',
      });
      await client.send(view(key));
      await early;
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(2);
    });

    it('when a write touches another issue then reads of this one keep being shared', async () => {
      const client = transport();
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 400 });
      const early = client.send(view(keys[6] as string));
      await client.send(comment(keys[7] as string, 'elsewhere'));
      await client.send(view(keys[6] as string));
      await early;
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(1);
      expect(counts.coalesced).toBe(1);
    });

    it('when any write completes then a read not tied to one issue (a search) is not shared past it', async () => {
      const client = transport();
      const search: JiraRequest = {
        method: 'GET',
        path: '/rest/api/3/search/jql',
        query: { jql: `key in (${keys[8]})`, fields: 'summary' },
      };
      jira.faults.add({ route: 'GET /rest/api/3/search/jql', kind: 'delay', ms: 400 });
      const early = client.send(search);
      await client.send(comment(keys[9] as string, 'x'));
      await client.send(search);
      await early;
      expect(jira.callsTo('GET /rest/api/3/search/jql')).toBe(2);
    });
  });

  describe("reads shared by a connection's transports", () => {
    it('when callers with the same credentials read at once then they share a call, and callers with other credentials do not', async () => {
      const coalescer = new ReadCoalescer<JiraResponse>();
      const service = transport({}, undefined, { coalescer, scope: 'service' });
      const sameAccount = transport({}, undefined, { coalescer, scope: 'service' });
      const user = transport({}, undefined, { coalescer, scope: 'user' });
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 200, times: 2 });
      const key = keys[10] as string;
      await Promise.all([service, sameAccount, user].map((client) => client.send(view(key))));
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(2);
      expect(counts.coalesced).toBe(1);
    });

    it("when a write through a user's transport completes then the connection's read under way is not shared past it", async () => {
      const coalescer = new ReadCoalescer<JiraResponse>();
      const service = transport({}, undefined, { coalescer, scope: 'service' });
      const user = transport({}, undefined, { coalescer, scope: 'user' });
      const key = keys[11] as string;
      jira.faults.add({ route: ISSUE_ROUTE, kind: 'delay', ms: 400 });
      const early = service.send(view(key));
      await user.send(comment(key, 'written through a user grant'));
      const late = await service.send(view(key));
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(2);
      expect(commentCount(late)).toBe(1);
      await early;
    });
  });

  describe('the app quota gate', () => {
    it('when the tenant is over its share and Jira says the app is over quota then the caller is held back, nothing sent', async () => {
      const quota = new AppQuota(undefined, { now: () => now });
      const busy = transport(
        {},
        quota.gateFor('00D000000000001AAA', () => 1),
      );
      const quiet = transport(
        {},
        quota.gateFor('00D000000000002AAA', () => 1),
      );
      for (const key of keys.slice(0, 20)) await busy.send(view(key));
      await quiet.send(view(keys[20] as string));
      jira.faults.add({
        route: ISSUE_ROUTE,
        kind: 'rateLimit',
        retryAfterSeconds: 30,
        reason: 'jira-quota-global-based',
      });
      await expect(quiet.send(view(keys[21] as string))).rejects.toMatchObject({
        code: 'JIRA_RATE_LIMITED',
        jiraStatus: 429,
      });
      jira.resetCounters();
      const held: unknown = await busy.send(view(keys[22] as string)).catch((e) => e);
      expect(held).toMatchObject({ code: 'JIRA_RATE_LIMITED', retryAfter: 30 });
      expect(wasNeverSent(held)).toBe(true);
      expect(jira.callsTo(ISSUE_ROUTE)).toBe(0);
      expect(counts.refused).toContain('JIRA_RATE_LIMITED');
    });
  });
});
