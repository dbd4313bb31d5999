import { connectionSecretRef } from '../../src/jira/auth/credentials';
import { JiraClients } from '../../src/jira/jira-client';
import { defaultTransportSettings } from '../../src/jira/transport';
import { AdminClient } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';

/**
 * Credentials end up in an Authorization header. One the HTTP client cannot send used to make
 * the save hang, and leave the connection's client stuck for every later request and on close.
 */

const PAT = 'NjM3-double-pat-ada';

/** Fails the test instead of hanging it when the relay does not answer. */
function answered<T>(promise: Promise<T>, what: string, ms = 4000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

describe('credentials an HTTP header cannot carry', () => {
  let cloud: JiraDouble;
  let server: JiraDouble;
  let relay: TestRelay;
  let admin: AdminClient;

  beforeAll(async () => {
    [cloud, server] = await Promise.all([
      startJiraDouble({ deployment: 'cloud' }),
      startJiraDouble({ deployment: 'server' }),
    ]);
    relay = await startTestRelay({
      env: { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' },
      // Two slots per connection: a leaked slot shows after the third request, not the ninth.
      serviceOptions: {
        jiraTransport: { baseDelayMs: 2, maxDelayMs: 10, maxConcurrent: 2, closeTimeoutMs: 200 },
      },
    });
    admin = new AdminClient(
      relay,
      await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' }),
    );
  });
  afterAll(async () => {
    await answered(relay.stop(), 'relay stop');
    await Promise.all([cloud.stop(), server.stop()]);
  });
  beforeEach(() => {
    cloud.resetCounters();
    server.resetCounters();
    cloud.faults.clear();
    server.faults.clear();
  });

  const BAD = {
    'a line break': 'abc\r\nX-Injected: 1',
    'a bare LF': 'abc\ndef',
    'a NUL': 'abc\u0000def',
    'a tab': 'abc\tdef',
    'a DEL': 'abc\u007fdef',
    'a C1 control': 'abc\u0085def',
    'a character beyond Latin-1': 'abc\u2603def',
    'a lone surrogate': 'abc\ud800def',
  };
  const cases = Object.entries(BAD).flatMap(([what, value]) => [
    [`a PAT with ${what}`, 'server', { method: 'pat', token: value }, 'auth.token'],
    [
      `an API token with ${what}`,
      'cloud',
      { method: 'api_token', email: 'ada@example.com', token: value },
      'auth.token',
    ],
    [
      `an email with ${what}`,
      'cloud',
      { method: 'api_token', email: `ada${value}@example.com`, token: 'ATATT-x' },
      'auth.email',
    ],
    [
      `a username with ${what}`,
      'server',
      { method: 'basic', username: `ada${value}`, password: 'pw' },
      'auth.username',
    ],
    [
      `a password with ${what}`,
      'server',
      { method: 'basic', username: 'ada', password: value },
      'auth.password',
    ],
  ]) as [string, 'cloud' | 'server', Record<string, string>, string][];

  it.each(cases)(
    'when an admin saves %s then it is refused before any request',
    async (_what, deployment, auth, field) => {
      const double = deployment === 'cloud' ? cloud : server;
      const put = await answered(
        admin.call('PUT', '/v1/connections/pasted', {
          deployment,
          baseUrl: double.url,
          auth,
        }),
        'PUT',
      );
      expect(put.status).toBe(400);
      expect(put.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        fieldErrors: [expect.objectContaining({ field })],
      });
      expect(double.log).toHaveLength(0);
    },
  );

  it.each([
    ['a token with a space', { method: 'pat', token: 'abc def' }, 'auth.token'],
    [
      'a username with a colon',
      { method: 'basic', username: 'ada:x', password: 'pw' },
      'auth.username',
    ],
  ])('when an admin saves %s then it is refused', async (_what, auth, field) => {
    const put = await admin.call('PUT', '/v1/connections/pasted', {
      deployment: 'server',
      baseUrl: server.url,
      auth,
    });
    expect(put.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      fieldErrors: [expect.objectContaining({ field })],
    });
  });

  it('when a password holds Latin-1 letters and spaces then it is tried against Jira', async () => {
    const put = await admin.call('PUT', '/v1/connections/latin', {
      deployment: 'server',
      baseUrl: server.url,
      auth: { method: 'basic', username: 'ada', password: 'pässwörd mit Leerzeichen' },
    });
    // The double knows another password: what matters is that Jira was asked.
    expect(put.body.code).toBe('JIRA_UNAUTHORIZED');
    expect(server.callsTo('GET /rest/api/2/serverInfo')).toBe(1);
  });

  it('when a stored credential cannot be sent then every request answers at once, Jira is not called, and the connection works again once fixed', async () => {
    const saved = await admin.call('PUT', '/v1/connections/stored', {
      deployment: 'server',
      baseUrl: server.url,
      auth: { method: 'pat', token: PAT },
    });
    expect(saved.status).toBe(200);
    // A credential stored before the input rules existed, or restored from elsewhere.
    const ref = connectionSecretRef(ORG_ID, 'stored');
    await relay.services.vault.put(ref, JSON.stringify({ method: 'pat', token: `${PAT}\r\n` }));
    await relay.services.jira.forget(ORG_ID, 'stored');
    server.resetCounters();

    for (let i = 0; i < 5; i += 1) {
      const test = await answered(admin.call('POST', '/v1/connections/stored/test'), `test ${i}`);
      expect(test.status).toBe(409);
      expect(test.body).toMatchObject({ code: 'CONNECTION_NEEDS_REAUTH' });
      expect(test.body.detail).toContain('cannot be sent to Jira');
      const view = await answered(admin.call('GET', '/v1/issues/SUP-1?connection=stored'), 'view');
      expect(view.body.code).toBe('CONNECTION_NEEDS_REAUTH');
    }
    expect(server.jiraCalls).toBe(0);
    expect(relay.logs.text).not.toContain(PAT);

    await relay.services.vault.put(ref, JSON.stringify({ method: 'pat', token: PAT }));
    await answered(relay.services.jira.forget(ORG_ID, 'stored'), 'forget');
    const fixed = await answered(admin.call('POST', '/v1/connections/stored/test'), 'fixed');
    expect(fixed.status).toBe(200);
  });

  it('when a client is closed while a Jira request hangs then the close is bounded and the request answers', async () => {
    const saved = await admin.call('PUT', '/v1/connections/slow', {
      deployment: 'server',
      baseUrl: server.url,
      auth: { method: 'pat', token: PAT },
    });
    expect(saved.status).toBe(200);
    server.faults.add({ route: 'GET /rest/api/2/serverInfo', kind: 'delay', ms: 20_000 });
    const before = server.callsTo('GET /rest/api/2/serverInfo');
    const hanging = admin.call('POST', '/v1/connections/slow/test');
    while (server.callsTo('GET /rest/api/2/serverInfo') === before)
      await new Promise((resolve) => setTimeout(resolve, 10));

    await answered(relay.services.jira.forget(ORG_ID, 'slow'), 'close of the connection client');
    const answer = await answered(hanging, 'the request cut by the close');
    expect(answer.body.code).toBe('JIRA_UNAVAILABLE');
  });

  it('when a client is closed while a Jira request is answered in time then the request completes', async () => {
    const { services } = relay;
    const clients = new JiraClients({
      ...services,
      guard: services.upstreamGuard,
      oauth: undefined,
      settings: { ...defaultTransportSettings, closeTimeoutMs: 10_000 },
    });
    const client = await clients.clientFor(ORG_ID, 'slow');
    server.faults.add({ route: 'GET /rest/api/2/serverInfo', kind: 'delay', ms: 300 });
    const before = server.callsTo('GET /rest/api/2/serverInfo');
    const request = client.send({ method: 'GET', path: '/rest/api/2/serverInfo' });
    while (server.callsTo('GET /rest/api/2/serverInfo') === before)
      await new Promise((resolve) => setTimeout(resolve, 10));
    await clients.close();
    await expect(request).resolves.toMatchObject({ status: 200 });
  });
});
