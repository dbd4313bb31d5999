import { DEFAULT_SCOPES, startJiraDouble, type JiraDouble } from '../support/jira-double';
import { AdminClient, expectNoSecretLeaks } from '../support/connections';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { ENGINES } from '../support/stores';

const PUBLIC_URL = 'https://relay.example.test';

describe.each(ENGINES)('OAuth 2.0 (3LO) connections on %s', (engine) => {
  let jira: JiraDouble;
  let relay: TestRelay;
  let admin: AdminClient;
  let secret: string;
  let now: number;
  const clock = { now: () => now };
  const oauth = () => jira.oauth!;
  const refreshCalls = () =>
    oauth().tokenRequests.filter((r) => r.grant_type === 'refresh_token').length;

  beforeAll(async () => {
    now = 1_800_000_000_000;
    jira = await startJiraDouble({ deployment: 'cloud', now: () => now });
    jira.addSite({ id: 'cloud-acme-1', name: 'acme', url: 'https://acme.atlassian.net' });
    relay = await startTestRelay({
      engine,
      clock,
      env: {
        RELAY_PUBLIC_URL: PUBLIC_URL,
        ATLASSIAN_CLIENT_ID: oauth().clientId,
        ATLASSIAN_CLIENT_SECRET: oauth().clientSecret,
        ATLASSIAN_AUTH_URL: jira.url,
        ATLASSIAN_API_URL: jira.url,
      },
      serviceOptions: { jiraTransport: { baseDelayMs: 2, maxDelayMs: 10 } },
    });
    secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
    admin = new AdminClient(relay, secret, undefined, clock);
  });
  afterAll(async () => {
    await relay.stop();
    await jira.stop();
  });
  beforeEach(() => {
    jira.faults.clear();
    oauth().consent = true;
    oauth().grantedScopes = [...DEFAULT_SCOPES];
  });

  /** start → Atlassian consent (the double's /authorize) → the relay's callback. */
  async function authorize(name: string): Promise<{ callbackUrl: string; page: Response }> {
    const start = await admin.call('POST', `/v1/connections/${name}/oauth/start`, {
      returnUrl: 'https://acme.lightning.force.com/lightning/n/Jira_Setup',
    });
    expect(start.status).toBe(200);
    const consent = await fetch(start.body.authorizeUrl as string, { redirect: 'manual' });
    const location = new URL(consent.headers.get('location') as string);
    expect(location.origin).toBe(PUBLIC_URL);
    const callbackUrl = `${relay.url}${location.pathname}${location.search}`;
    const page = await fetch(callbackUrl);
    admin.responses.push(await page.clone().text());
    return { callbackUrl, page };
  }

  async function connection(name: string) {
    const list = await admin.call('GET', '/v1/connections');
    return (list.body.connections as Record<string, unknown>[]).find((c) => c.name === name);
  }

  it('when an admin starts OAuth then the authorize URL carries everything Atlassian needs', async () => {
    const start = await admin.call('POST', '/v1/connections/default/oauth/start', {});
    const url = new URL(start.body.authorizeUrl as string);
    expect(`${url.origin}${url.pathname}`).toBe(`${jira.url}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      audience: 'api.atlassian.com',
      client_id: oauth().clientId,
      scope: 'read:jira-user read:jira-work write:jira-work offline_access',
      redirect_uri: `${PUBLIC_URL}/oauth/callback`,
      state: expect.stringMatching(/^[A-Za-z0-9_-]{40,}$/),
      response_type: 'code',
      prompt: 'consent',
    });
  });

  it('when the admin consents then the connection is active with its site, account and scopes', async () => {
    const { page } = await authorize('default');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('Jira connected');
    expect(html).toContain('href="https://acme.lightning.force.com/lightning/n/Jira_Setup"');
    expect(await connection('default')).toMatchObject({
      deployment: 'cloud',
      authMethod: 'oauth',
      status: 'active',
      baseUrl: 'https://acme.atlassian.net',
      scopes: DEFAULT_SCOPES,
      account: { accountId: '5b10a2844c20165700ede21g' },
      connectedBy: '0055g00000AbCdEFGH',
    });
    const test = await admin.call('POST', '/v1/connections/default/test');
    expect(test.status).toBe(200);
    expect(
      jira.log
        .filter((e) => e.path === '/rest/api/3/myself')
        .every((e) => e.cloudId === 'cloud-acme-1'),
    ).toBe(true);
  });

  it('when the callback is replayed, expired or forged then an error page is shown and nothing changes', async () => {
    const { callbackUrl } = await authorize('replayed');
    const before = await connection('replayed');
    const replay = await fetch(callbackUrl);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('invalid, expired or already used');
    expect(await connection('replayed')).toEqual(before);

    const forged = await fetch(
      `${relay.url}/oauth/callback?code=x&state=forged-state-value-1234567890`,
    );
    expect(forged.status).toBe(400);

    const start = await admin.call('POST', '/v1/connections/late/oauth/start', {});
    const consent = await fetch(start.body.authorizeUrl as string, { redirect: 'manual' });
    const location = new URL(consent.headers.get('location') as string);
    now += 11 * 60 * 1000;
    const expired = await fetch(`${relay.url}${location.pathname}${location.search}`);
    expect(expired.status).toBe(400);
    expect(await connection('late')).toBeUndefined();
  });

  it('when the admin declines consent then nothing is stored', async () => {
    oauth().consent = false;
    const { page } = await authorize('declined');
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('not granted');
    expect(await connection('declined')).toBeUndefined();
  });

  it('when the grant reaches several sites then the admin picks one on the page', async () => {
    jira.addSite({
      id: 'cloud-beta-2',
      name: 'beta <script>alert(1)</script>',
      url: 'https://beta.atlassian.net',
    });
    try {
      const { page } = await authorize('picked');
      const html = await page.text();
      expect(html).toContain('Choose the Jira site');
      expect(html).not.toContain('<script>alert(1)');
      expect(html).toContain('beta &lt;script&gt;');
      const pick = /name="pick" value="([^"]+)"/.exec(html)?.[1] as string;
      const form = new URLSearchParams({ pick, cloudId: 'cloud-beta-2' });
      const chosen = await fetch(`${relay.url}/oauth/callback/select`, {
        method: 'POST',
        body: form,
      });
      expect(chosen.status).toBe(200);
      expect(await connection('picked')).toMatchObject({
        baseUrl: 'https://beta.atlassian.net',
        status: 'active',
      });
      const again = await fetch(`${relay.url}/oauth/callback/select`, {
        method: 'POST',
        body: form,
      });
      expect(again.status).toBe(400);
    } finally {
      oauth().sites.pop();
    }
  });

  it('when 20 requests arrive on an expired access token then exactly one refresh happens', async () => {
    await authorize('busy');
    const before = refreshCalls();
    now += 3600 * 1000;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => admin.call('POST', '/v1/connections/busy/test')),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(refreshCalls() - before).toBe(1);
  });

  it('when Jira refuses an access token early then the relay refreshes once and retries', async () => {
    await authorize('early');
    const before = refreshCalls();
    jira.faults.add({ route: 'GET /rest/api/3/serverInfo', kind: 'expiredToken' });
    expect((await admin.call('POST', '/v1/connections/early/test')).status).toBe(200);
    expect(refreshCalls() - before).toBe(1);
  });

  it('when the scope does not match then there is no refresh loop', async () => {
    await authorize('scoped');
    const before = refreshCalls();
    const myselfBefore = jira.callsTo('GET /rest/api/3/myself');
    jira.faults.add({ route: 'GET /rest/api/3/myself', kind: 'scopeMismatch', times: 5 });
    const test = await admin.call('POST', '/v1/connections/scoped/test');
    expect(test.body).toMatchObject({ code: 'SCOPE_MISSING', jiraStatus: 401 });
    expect(refreshCalls()).toBe(before);
    expect(jira.callsTo('GET /rest/api/3/myself') - myselfBefore).toBe(1);
  });

  it('when a needed scope was not granted then the call fails SCOPE_MISSING before reaching Jira', async () => {
    oauth().grantedScopes = ['read:jira-work', 'write:jira-work', 'offline_access'];
    await authorize('narrow');
    expect((await connection('narrow'))?.scopes).toEqual([
      'read:jira-work',
      'write:jira-work',
      'offline_access',
    ]);
    const myselfBefore = jira.callsTo('GET /rest/api/3/myself');
    const test = await admin.call('POST', '/v1/connections/narrow/test');
    expect(test.status).toBe(403);
    expect(test.body).toMatchObject({ code: 'SCOPE_MISSING', missingScopes: ['read:jira-user'] });
    expect(jira.callsTo('GET /rest/api/3/myself')).toBe(myselfBefore);
  });

  it('when a stale refresh token was reused then the connection needs re-authorization and Jira is no longer called', async () => {
    await authorize('stolen');
    const issued = oauth().issuedRefreshTokens();
    const first = issued[issued.length - 1] as string;
    now += 3600 * 1000;
    expect((await admin.call('POST', '/v1/connections/stolen/test')).status).toBe(200);
    // Someone replays the rotated token after the leeway: Atlassian revokes the grant.
    now += 11 * 60 * 1000;
    const replay = await fetch(`${jira.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        refresh_token: first,
        client_id: oauth().clientId,
        client_secret: oauth().clientSecret,
      }),
    });
    expect(replay.status).toBe(403);

    now += 3600 * 1000;
    const test = await admin.call('POST', '/v1/connections/stolen/test');
    expect(test.status).toBe(409);
    expect(test.body.code).toBe('CONNECTION_NEEDS_REAUTH');
    expect((await connection('stolen'))?.status).toBe('needs_reauth');

    const calls = jira.log.length;
    const refreshes = refreshCalls();
    expect((await admin.call('POST', '/v1/connections/stolen/test')).body.code).toBe(
      'CONNECTION_NEEDS_REAUTH',
    );
    expect(jira.log.length).toBe(calls);
    expect(refreshCalls()).toBe(refreshes);
  });

  it('when OAuth is started by automation then it is refused (the state binds an admin)', async () => {
    const automation = new AdminClient(relay, secret, '-', clock);
    const start = await automation.call('POST', '/v1/connections/robot/oauth/start', {});
    expect(start.body.code).toBe('VALIDATION_FAILED');
  });

  it('then no token, code or client secret appears in any response, the log or the database file', () => {
    const secrets = [oauth().clientSecret, ...oauth().issuedRefreshTokens()];
    for (const request of oauth().tokenRequests) {
      if (typeof request.code === 'string') secrets.push(request.code);
    }
    expectNoSecretLeaks(relay, admin, secrets);
    // Access tokens are long; checking a distinctive slice of each is enough.
    const log = relay.logs.text;
    expect(log).not.toMatch(/eyJhbGciOiJSUzI1NiJ9\.[A-Za-z0-9_-]{20}/);
  });

  it('then every Jira request and response matched the OpenAPI document', () => {
    expect(jira.violations).toEqual([]);
  });
});
