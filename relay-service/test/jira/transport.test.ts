import { Agent, Dispatcher, errors } from 'undici';
import { apiTokenAuth } from '../../src/jira/auth/api-token';
import {
  defaultTransportSettings,
  JiraTransport,
  wasNeverSent,
  type TransportSettings,
} from '../../src/jira/transport';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';

const adf = (text: string) => ({
  type: 'doc',
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

describe('Jira transport against the Cloud double', () => {
  let jira: JiraDouble;
  let dispatcher: Agent;
  let now: number;
  let sleeps: number[];

  beforeAll(async () => {
    jira = await startJiraDouble({ deployment: 'cloud' });
    dispatcher = new Agent({ keepAliveTimeout: 1000 });
  });
  afterAll(async () => {
    await dispatcher.close();
    await jira.stop();
  });
  beforeEach(() => {
    now = 1_800_000_000_000;
    sleeps = [];
    jira.faults.clear();
    jira.resetCounters();
  });

  function transport(
    settings: Partial<TransportSettings> = {},
    token = 'ATATT-double-api-token-ada',
  ) {
    return new JiraTransport({
      baseUrl: jira.url,
      auth: apiTokenAuth({ email: 'ada@example.com', token }),
      dispatcher,
      settings: { ...defaultTransportSettings, baseDelayMs: 10, ...settings },
      clock: { now: () => now },
      // Waiting moves the fake clock instead of real time: the suite stays fast.
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      random: () => 0.5,
    });
  }

  const createIssue = (summary = 'Checkout fails') => ({
    method: 'POST' as const,
    path: '/rest/api/3/issue',
    body: {
      fields: {
        project: { key: 'SUP' },
        issuetype: { id: '10004' },
        summary,
        description: adf('x'),
      },
    },
  });

  it('when a GET meets a connection reset then it is retried', async () => {
    jira.faults.add({ route: 'GET /rest/api/3/myself', kind: 'reset' });
    const response = await transport().send({ method: 'GET', path: '/rest/api/3/myself' });
    expect(response.status).toBe(200);
    expect(jira.callsTo('GET /rest/api/3/myself')).toBe(2);
    expect(sleeps).toHaveLength(1);
  });

  it('when a create meets a connection reset then it is not repeated (it may have reached Jira)', async () => {
    jira.faults.add({ route: 'POST /rest/api/3/issue', kind: 'reset' });
    await expect(transport().send(createIssue())).rejects.toMatchObject({
      code: 'JIRA_UNAVAILABLE',
      detail: expect.stringContaining('not repeated'),
    });
    expect(jira.callsTo('POST /rest/api/3/issue')).toBe(1);
  });

  it.each([502, 503, 504])(
    'when a GET meets %i then it is retried with growing backoff up to the attempt limit',
    async (status) => {
      jira.faults.add({ route: 'GET /rest/api/3/serverInfo', kind: 'status', status, times: 5 });
      await expect(
        transport().send({ method: 'GET', path: '/rest/api/3/serverInfo' }),
      ).rejects.toMatchObject({
        code: 'JIRA_UNAVAILABLE',
        jiraStatus: status,
      });
      expect(jira.callsTo('GET /rest/api/3/serverInfo')).toBe(3);
      expect(sleeps).toEqual([8, 15]); // equal jitter at random 0.5 of 10 and 20 ms
    },
  );

  it('when a GET meets 500 then it is not retried', async () => {
    jira.faults.add({ route: 'GET /rest/api/3/serverInfo', kind: 'status', status: 500 });
    await expect(
      transport().send({ method: 'GET', path: '/rest/api/3/serverInfo' }),
    ).rejects.toMatchObject({ code: 'JIRA_UNAVAILABLE' });
    expect(jira.callsTo('GET /rest/api/3/serverInfo')).toBe(1);
  });

  it.each([500, 502, 503, 504])(
    'when a write meets %i then the caller is told Jira may have made it and to check Jira, not to retry later',
    async (status) => {
      const comment = 'POST /rest/api/3/issue/{issueIdOrKey}/comment';
      jira.faults.add({ route: comment, kind: 'status', status });
      const error = transport().send({
        method: 'POST',
        path: '/rest/api/3/issue/SUP-1/comment',
        body: { body: adf('Customer called again') },
      });
      await expect(error).rejects.toMatchObject({ code: 'JIRA_UNAVAILABLE', jiraStatus: status });
      const { detail } = (await error.catch((e: unknown) => e)) as { detail: string };
      expect(detail).toContain('check Jira before retrying');
      expect(detail).not.toContain('retry later');
      expect(jira.callsTo(comment)).toBe(1);

      // A read changed nothing: it may simply be retried later.
      jira.faults.add({ route: 'GET /rest/api/3/serverInfo', kind: 'status', status, times: 5 });
      await expect(
        transport().send({ method: 'GET', path: '/rest/api/3/serverInfo' }),
      ).rejects.toMatchObject({ detail: expect.stringContaining('retry later') });
    },
  );

  it('when a create meets 503 then it is not retried, but a read-only POST search is', async () => {
    jira.faults.add({ route: 'POST /rest/api/3/issue', kind: 'status', status: 503 });
    await expect(transport().send(createIssue())).rejects.toMatchObject({
      code: 'JIRA_UNAVAILABLE',
      jiraStatus: 503,
    });
    expect(jira.callsTo('POST /rest/api/3/issue')).toBe(1);

    jira.faults.add({ route: 'POST /rest/api/3/search/jql', kind: 'status', status: 503 });
    const search = await transport().send({
      method: 'POST',
      path: '/rest/api/3/search/jql',
      body: { jql: 'project = SUP' },
      idempotent: true,
    });
    expect(search.status).toBe(200);
    expect(jira.callsTo('POST /rest/api/3/search/jql')).toBe(2);
  });

  it('when Jira answers 429 then Retry-After is waited out and the request repeated, even a create', async () => {
    jira.faults.add({ route: 'POST /rest/api/3/issue', kind: 'rateLimit', retryAfterSeconds: 2 });
    const response = await transport().send(createIssue());
    expect(response.status).toBe(201);
    expect(sleeps).toEqual([2000]);
    expect(jira.callsTo('POST /rest/api/3/issue')).toBe(2);
  });

  it('when waiting out Retry-After would leave too little time to send again then a create is answered JIRA_RATE_LIMITED at once, never sent twice', async () => {
    // Real time here: the deadline is measured on the monotonic clock.
    const realTime = new JiraTransport({
      baseUrl: jira.url,
      auth: apiTokenAuth({ email: 'ada@example.com', token: 'ATATT-double-api-token-ada' }),
      dispatcher,
      settings: { ...defaultTransportSettings, baseDelayMs: 10, totalTimeoutMs: 1_200 },
      clock: { now: () => Date.now() },
    });
    // A warm connection and route: the refusal below comes back in a few ms.
    await realTime.send(createIssue('Warm-up'));
    const create = 'POST /rest/api/3/issue';
    const before = jira.callsTo(create);
    // Jira refuses the create (nothing created), then answers the next one in 600 ms.
    jira.faults.add({ route: create, kind: 'rateLimit', retryAfterSeconds: 1 });
    jira.faults.add({ route: create, kind: 'delay', ms: 600 });
    const started = performance.now();
    const error = await realTime.send(createIssue()).catch((e: unknown) => e);
    // A retry 1 s later would have had under 200 ms: it would time out, the outcome unknown.
    expect(error).toMatchObject({ code: 'JIRA_RATE_LIMITED', retryAfter: 1 });
    expect(wasNeverSent(error) || (error as { jiraStatus?: number }).jiraStatus === 429).toBe(true);
    expect(jira.callsTo(create) - before).toBe(1);
    expect(performance.now() - started).toBeLessThan(900);
  });

  it('when Retry-After is longer than the cap then the caller gets JIRA_RATE_LIMITED and the connection pauses', async () => {
    const client = transport({ maxRetryAfterMs: 5000 });
    jira.faults.add({ route: 'GET /rest/api/3/myself', kind: 'rateLimit', retryAfterSeconds: 120 });
    await expect(client.send({ method: 'GET', path: '/rest/api/3/myself' })).rejects.toMatchObject({
      code: 'JIRA_RATE_LIMITED',
      retryAfter: 120,
      jiraStatus: 429,
    });
    // The quota pause holds for the whole connection: Jira is not asked again meanwhile.
    await expect(
      client.send({ method: 'GET', path: '/rest/api/3/serverInfo' }),
    ).rejects.toMatchObject({ code: 'JIRA_RATE_LIMITED' });
    expect(jira.log).toHaveLength(1);
  });

  it('when Jira limits writes to one issue then only writes to that issue wait', async () => {
    const client = transport({ maxRetryAfterMs: 5000 });
    const created = (await client.send(createIssue())).body as { key: string };
    jira.faults.add({
      route: 'POST /rest/api/3/issue/{issueIdOrKey}/comment',
      kind: 'rateLimit',
      retryAfterSeconds: 60,
      reason: 'jira-per-issue-on-write',
    });
    const comment = {
      method: 'POST' as const,
      path: `/rest/api/3/issue/${created.key}/comment`,
      body: { body: adf('hi') },
      issueKey: created.key,
    };
    await expect(client.send(comment)).rejects.toMatchObject({
      code: 'JIRA_RATE_LIMITED',
      retryAfter: 60,
    });
    expect(
      (
        await client.send({
          method: 'GET',
          path: `/rest/api/3/issue/${created.key}`,
          issueKey: created.key,
        })
      ).status,
    ).toBe(200);
    expect((await client.send(createIssue('another'))).status).toBe(201);
  });

  it('when Jira answers slower than the total timeout then the caller gets JIRA_UNAVAILABLE', async () => {
    jira.faults.add({ route: 'POST /rest/api/3/issue', kind: 'delay', ms: 400 });
    await expect(transport({ totalTimeoutMs: 100 }).send(createIssue())).rejects.toMatchObject({
      code: 'JIRA_UNAVAILABLE',
      detail: expect.stringContaining('Jira did not answer'),
    });
  });

  it('when a call is over then its timeout timer is gone, not left pending for the whole bound', async () => {
    const pendingTimers = () =>
      process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
    const client = transport({ totalTimeoutMs: 60_000 });
    const before = pendingTimers();
    const answers = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        client.send({ method: 'GET', path: `/rest/api/3/issue/GONE-${i + 1}` }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill('rejected')); // 404s, answered
    expect(pendingTimers()).toBeLessThanOrEqual(before);
  });

  it('when 20 requests are sent at once then no more than the concurrency ceiling are in flight', async () => {
    // A slow answer from an earlier test may still be running inside the double.
    while (jira.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    jira.resetCounters();
    const route = 'GET /rest/api/3/issue/{issueIdOrKey}';
    jira.faults.add({ route, kind: 'delay', ms: 15, times: 20 });
    const client = transport({ maxConcurrent: 3 });
    // Twenty different issues: identical reads would share one call.
    const answers = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        client.send({ method: 'GET', path: `/rest/api/3/issue/NOPE-${i + 1}` }),
      ),
    );
    expect(answers.every((a) => a.status === 'rejected')).toBe(true); // 404s, all answered
    expect(jira.maxInFlight).toBeLessThanOrEqual(3);
    expect(jira.callsTo(route)).toBe(20);
  });

  it('when Jira rejects data then field errors and the Jira status come back', async () => {
    const send = transport().send;
    await expect(send(createIssue(''))).rejects.toMatchObject({
      code: 'JIRA_VALIDATION',
      jiraStatus: 400,
      fieldErrors: [{ field: 'summary', message: expect.stringContaining('summary') }],
    });
    await expect(send({ method: 'GET', path: '/rest/api/3/issue/NOPE-1' })).rejects.toMatchObject({
      code: 'JIRA_NOT_FOUND',
      jiraStatus: 404,
    });
    jira.faults.add({
      route: 'GET /rest/api/3/myself',
      kind: 'status',
      status: 403,
      body: { errorMessages: ['No permission'] },
    });
    await expect(send({ method: 'GET', path: '/rest/api/3/myself' })).rejects.toMatchObject({
      code: 'JIRA_FORBIDDEN',
      detail: expect.stringContaining('lacks permission'),
    });
    await expect(
      transport({}, 'wrong').send({ method: 'GET', path: '/rest/api/3/myself' }),
    ).rejects.toMatchObject({ code: 'JIRA_UNAUTHORIZED', jiraStatus: 401 });
    expect(jira.callsTo('GET /rest/api/3/myself')).toBe(2);
  });

  describe("what of Jira's own error text reaches the caller", () => {
    const STACK_TRACE = [
      'java.lang.NullPointerException: Cannot invoke "com.atlassian.jira.issue.Issue.getKey()"',
      '\tat com.atlassian.jira.rest.v2.issue.IssueResource.getIssue(IssueResource.java:212)',
      '\tat sun.reflect.GeneratedMethodAccessor1234.invoke(Unknown Source)',
    ].join('\n');
    const HTML_PAGE =
      '<!DOCTYPE html><html><head><title>Oops</title></head><body><h1>HTTP Status 500</h1><pre>' +
      STACK_TRACE +
      '</pre><p>Apache Tomcat/9.0.83 at jira-node-2.intra.acme.example</p></body></html>';
    const LEAKS = ['java.lang', 'com.atlassian', 'IssueResource', 'Tomcat', 'intra.acme', '<'];

    async function problemFor(fault: Parameters<JiraDouble['faults']['add']>[0]) {
      jira.faults.add({ route: 'GET /rest/api/3/myself', times: 5, ...fault });
      const error = await transport()
        .send({ method: 'GET', path: '/rest/api/3/myself' })
        .then(
          () => undefined,
          (e: unknown) => e as { code: string; detail: string; fieldErrors?: unknown },
        );
      jira.faults.clear();
      if (!error) throw new Error('expected the call to fail');
      return error;
    }

    it.each([
      [
        'a JSON 500 carrying a stack trace',
        {
          kind: 'status' as const,
          status: 500,
          body: { errorMessages: [STACK_TRACE], errors: { summary: STACK_TRACE } },
        },
      ],
      [
        'a Data Center 500 with its stack-trace member',
        {
          kind: 'status' as const,
          status: 500,
          body: { message: STACK_TRACE, 'status-code': 500, 'stack-trace': STACK_TRACE },
        },
      ],
      [
        'an HTML error page with a 502',
        { kind: 'rawError' as const, status: 502, contentType: 'text/html', text: HTML_PAGE },
      ],
      [
        'a plain-text 503',
        { kind: 'rawError' as const, status: 503, contentType: 'text/plain', text: STACK_TRACE },
      ],
      [
        'an HTML 400 from a proxy',
        { kind: 'rawError' as const, status: 400, contentType: 'text/html', text: HTML_PAGE },
      ],
      [
        'a gateway 401 message',
        { kind: 'status' as const, status: 401, body: { code: 401, message: STACK_TRACE } },
      ],
      [
        'a 403 with Jira messages',
        { kind: 'status' as const, status: 403, body: { errorMessages: [STACK_TRACE] } },
      ],
      [
        'a 404 with Jira messages',
        { kind: 'status' as const, status: 404, body: { errorMessages: [STACK_TRACE] } },
      ],
    ])('when Jira answers %s then none of its body reaches the caller', async (_what, fault) => {
      const error = await problemFor(fault);
      expect(error.detail).toMatch(/^Jira answered \d{3}\./);
      expect(error.fieldErrors).toBeUndefined();
      for (const leak of LEAKS) expect(error.detail).not.toContain(leak);
    });

    it('when Jira answers a 400 validation error then its messages pass, first lines only and bounded', async () => {
      const long = 'x'.repeat(5000);
      const error = await problemFor({
        kind: 'status',
        status: 400,
        body: {
          errorMessages: [
            `Field 'priority' is not valid.\n${STACK_TRACE}`,
            '<b>markup</b> is dropped',
            ...Array.from({ length: 40 }, (_, i) => `message ${i} ${long}`),
          ],
          errors: Object.fromEntries(
            Array.from({ length: 60 }, (_, i) => [
              `customfield_${10000 + i}`,
              `bad\u0000 value\r\n${long}`,
            ]),
          ),
        },
      });
      expect(error.code).toBe('JIRA_VALIDATION');
      expect(error.detail).toContain("Jira answered 400: Field 'priority' is not valid.");
      expect(error.detail.length).toBeLessThanOrEqual(500);
      for (const leak of LEAKS) expect(error.detail).not.toContain(leak);
      const fieldErrors = error.fieldErrors as { field: string; message: string }[];
      expect(fieldErrors).toHaveLength(20);
      expect(fieldErrors[0]).toEqual({ field: 'customfield_10000', message: 'bad value' });
      for (const fieldError of fieldErrors) {
        expect(fieldError.message.length).toBeLessThanOrEqual(300);
        // eslint-disable-next-line no-control-regex -- control characters must be gone
        expect(fieldError.message).not.toMatch(/[\u0000-\u001f]/);
      }
    });
  });

  it.each([
    ['a line break', 'Bearer eyJ0eXAi\r\nX-Injected: 1'],
    ['a NUL', 'Bearer eyJ0\u0000eXAi'],
    ['a character beyond Latin-1', 'Bearer eyJ0\u2603eXAi'],
  ])(
    'when an auth strategy yields an Authorization header with %s then nothing is sent and the connection needs reauth',
    async (_what, header) => {
      const client = new JiraTransport({
        baseUrl: jira.url,
        auth: {
          authorize: async (headers) => void (headers.authorization = header),
          onUnauthorized: async () => false,
        },
        dispatcher,
        settings: { ...defaultTransportSettings, baseDelayMs: 10 },
        clock: { now: () => now },
        sleep: async (ms) => void sleeps.push(ms),
      });
      for (let i = 0; i < 3; i += 1) {
        await expect(
          client.send({ method: 'GET', path: '/rest/api/3/myself' }),
        ).rejects.toMatchObject({
          code: 'CONNECTION_NEEDS_REAUTH',
        });
      }
      expect(jira.log).toHaveLength(0);
      expect(sleeps).toEqual([]);
    },
  );

  it('when the HTTP client refuses a request as malformed then it is not retried and the dispatcher is reported', async () => {
    let dispatches = 0;
    let faults = 0;
    class RefusingDispatcher extends Dispatcher {
      override dispatch(): boolean {
        dispatches += 1;
        throw new errors.InvalidArgumentError('invalid something');
      }
    }
    const client = new JiraTransport({
      baseUrl: jira.url,
      auth: apiTokenAuth({ email: 'ada@example.com', token: 'ATATT-double-api-token-ada' }),
      dispatcher: new RefusingDispatcher(),
      settings: { ...defaultTransportSettings, baseDelayMs: 10 },
      clock: { now: () => now },
      sleep: async (ms) => void sleeps.push(ms),
      onDispatcherFault: () => (faults += 1),
    });
    const error: unknown = await client
      .send({ method: 'GET', path: '/rest/api/3/myself' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INTERNAL', status: 500 });
    expect(wasNeverSent(error)).toBe(true);
    expect(dispatches).toBe(1);
    expect(faults).toBe(1);
    expect(sleeps).toEqual([]);
  });

  it('when Jira redirects to another host then the relay refuses to follow', async () => {
    jira.faults.add({
      route: 'GET /rest/api/3/myself',
      kind: 'redirect',
      location: 'http://169.254.169.254/latest/meta-data/',
    });
    await expect(
      transport().send({ method: 'GET', path: '/rest/api/3/myself' }),
    ).rejects.toMatchObject({ code: 'UPSTREAM_HOST_FORBIDDEN' });
    expect(jira.log).toHaveLength(1);
  });

  it('then every request and response matched the OpenAPI document', () => {
    expect(jira.violations).toEqual([]);
  });
});
