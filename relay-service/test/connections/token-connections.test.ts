import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { AdminClient, expectNoSecretLeaks } from '../support/connections';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { ENGINES } from '../support/stores';

const ada = {
  email: 'ada@example.com',
  apiToken: 'ATATT-double-api-token-ada',
  pat: 'NjM3-double-pat-ada',
  password: 'double-password-ada',
};

describe.each(ENGINES)('token, PAT and password connections on %s', (engine) => {
  let cloud: JiraDouble;
  let server: JiraDouble;
  let relay: TestRelay;
  let admin: AdminClient;
  let now: number;
  const clock = { now: () => now };

  beforeAll(async () => {
    now = Date.now();
    [cloud, server] = await Promise.all([
      startJiraDouble({ deployment: 'cloud' }),
      startJiraDouble({ deployment: 'server' }),
    ]);
    relay = await startTestRelay({
      engine,
      clock,
      env: { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' },
      serviceOptions: { jiraTransport: { baseDelayMs: 2, maxDelayMs: 10 } },
    });
    admin = new AdminClient(
      relay,
      await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' }),
    );
  });
  afterAll(async () => {
    await relay.stop();
    await Promise.all([cloud.stop(), server.stop()]);
  });
  beforeEach(() => {
    cloud.resetCounters();
    server.resetCounters();
  });

  it('when an admin connects Cloud with an API token then it is tested live, stored and listed', async () => {
    const put = await admin.call('PUT', '/v1/connections/default', {
      deployment: 'cloud',
      baseUrl: `${cloud.url}/`,
      auth: { method: 'api_token', email: ada.email, token: ada.apiToken },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      name: 'default',
      deployment: 'cloud',
      baseUrl: cloud.url,
      authMethod: 'api_token',
      status: 'active',
      account: { displayName: 'Ada Admin', accountId: '5b10a2844c20165700ede21g' },
      connectedBy: '0055g00000AbCdEFGH',
      warnings: [],
      expiresAt: null,
    });
    expect(cloud.callsTo('GET /rest/api/3/serverInfo')).toBe(1);
    expect(cloud.callsTo('GET /rest/api/3/myself')).toBe(1);

    const list = await admin.call('GET', '/v1/connections');
    expect(list.body.connections).toEqual([
      expect.objectContaining({ name: 'default', authMethod: 'api_token' }),
    ]);

    const test = await admin.call('POST', '/v1/connections/default/test');
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({
      status: 'active',
      account: { displayName: 'Ada Admin' },
      serverInfo: { version: expect.any(String) },
    });
  });

  it('when an admin connects Server/DC with a personal access token then the v2 API is used', async () => {
    const put = await admin.call('PUT', '/v1/connections/dc', {
      deployment: 'server',
      baseUrl: server.url,
      auth: { method: 'pat', token: ada.pat },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      deployment: 'server',
      authMethod: 'pat',
      account: { displayName: 'Ada Admin', name: 'ada' },
    });
    expect(server.callsTo('GET /rest/api/2/myself')).toBe(1);
  });

  it('when an admin connects Server/DC with a password then it works with a deprecation warning', async () => {
    const put = await admin.call('PUT', '/v1/connections/dc-basic', {
      deployment: 'server',
      baseUrl: server.url,
      auth: { method: 'basic', username: 'ada', password: ada.password },
    });
    expect(put.status).toBe(200);
    expect(put.body.authMethod).toBe('basic');
    expect(put.body.warnings).toEqual([expect.stringContaining('deprecated')]);
    const list = await admin.call('GET', '/v1/connections');
    const basic = (list.body.connections as { name: string; warnings: string[] }[]).find(
      (c) => c.name === 'dc-basic',
    );
    expect(basic?.warnings).toEqual([expect.stringContaining('deprecated')]);
  });

  it.each([
    [
      'an API token for Server/DC',
      {
        deployment: 'server',
        auth: { method: 'api_token', email: ada.email, token: ada.apiToken },
      },
    ],
    [
      'a password for Cloud',
      { deployment: 'cloud', auth: { method: 'basic', username: 'ada', password: ada.password } },
    ],
  ])('when an admin offers %s then it is refused before Jira is called', async (_what, body) => {
    const put = await admin.call('PUT', '/v1/connections/wrong', { baseUrl: cloud.url, ...body });
    expect(put.status).toBe(400);
    expect(put.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      fieldErrors: [expect.objectContaining({ field: 'auth.method' })],
    });
    expect(cloud.log).toHaveLength(0);
    expect(server.log).toHaveLength(0);
  });

  it('when Jira refuses the credentials then nothing is stored and the error says so', async () => {
    const put = await admin.call('PUT', '/v1/connections/bad', {
      deployment: 'cloud',
      baseUrl: cloud.url,
      auth: { method: 'api_token', email: ada.email, token: 'not-the-token' },
    });
    expect(put.status).toBe(502);
    expect(put.body).toMatchObject({ code: 'JIRA_UNAUTHORIZED', jiraStatus: 401 });
    const list = await admin.call('GET', '/v1/connections');
    expect((list.body.connections as { name: string }[]).map((c) => c.name)).not.toContain('bad');
  });

  it('when an API token has an expiry within two weeks then the connection warns about it', async () => {
    const expiresAt = new Date(now + 5 * 24 * 3600 * 1000).toISOString();
    const put = await admin.call('PUT', '/v1/connections/expiring', {
      deployment: 'cloud',
      baseUrl: cloud.url,
      auth: { method: 'api_token', email: ada.email, token: ada.apiToken, expiresAt },
    });
    expect(put.body.expiresAt).toBe(expiresAt);
    expect(put.body.warnings).toEqual([expect.stringContaining('expires on')]);
  });

  it('when a connection is deleted then its credentials are gone and it is no longer usable', async () => {
    await admin.call('PUT', '/v1/connections/temp', {
      deployment: 'server',
      baseUrl: server.url,
      auth: { method: 'pat', token: ada.pat },
    });
    const deleted = await admin.call('DELETE', '/v1/connections/temp');
    expect(deleted.status).toBe(204);
    expect((await admin.call('POST', '/v1/connections/temp/test')).body.code).toBe(
      'CONNECTION_NOT_FOUND',
    );
    expect((await admin.call('DELETE', '/v1/connections/temp')).status).toBe(404);
    expect(await relay.services.vault.get(`connection/${ORG_ID}/temp`)).toBeUndefined();
  });

  it('when Jira answers 503 to a test then it is retried; a 400 is not', async () => {
    cloud.faults.add({
      route: 'GET /rest/api/3/serverInfo',
      kind: 'status',
      status: 503,
      times: 1,
    });
    expect((await admin.call('POST', '/v1/connections/default/test')).status).toBe(200);
    expect(cloud.callsTo('GET /rest/api/3/serverInfo')).toBe(2);

    cloud.faults.add({ route: 'GET /rest/api/3/myself', kind: 'status', status: 400, times: 1 });
    const refused = await admin.call('POST', '/v1/connections/default/test');
    expect(refused.body).toMatchObject({ code: 'JIRA_VALIDATION', jiraStatus: 400 });
    expect(cloud.callsTo('GET /rest/api/3/myself')).toBe(2);
  });

  it('when the connection name is not plain then the request is refused', async () => {
    const put = await admin.call('PUT', '/v1/connections/bad%20name', {});
    expect(put.status).toBe(400);
    expect(put.body.code).toBe('VALIDATION_FAILED');
  });

  it('then no secret appears in any response, the log or the database file', () => {
    expectNoSecretLeaks(relay, admin, [ada.apiToken, ada.pat, ada.password]);
  });

  it('then every request and response matched the OpenAPI documents', () => {
    expect(cloud.violations).toEqual([]);
    expect(server.violations).toEqual([]);
  });
});
