import { DEFAULT_SCOPES, startJiraDouble, type JiraDouble } from '../support/jira-double';
import { AdminClient, expectNoSecretLeaks } from '../support/connections';
import { OAuthBrowser } from '../support/oauth-browser';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { ENGINES } from '../support/stores';

const PUBLIC_URL = 'https://relay.example.test';
const RETURN_URL = 'https://acme.lightning.force.com/lightning/n/Jira_Setup';
const ACME_CLOUD_ID = '5f1c2b9e-0d4a-4c3e-9b7a-1e2f3a4b5c6d';
const BETA_CLOUD_ID = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';

describe.each(ENGINES)('OAuth 2.0 (3LO) connections on %s', (engine) => {
  let jira: JiraDouble;
  let relay: TestRelay;
  let admin: AdminClient;
  let secret: string;
  let now: number;
  let browser: OAuthBrowser;
  const clock = { now: () => now };
  const oauth = () => jira.oauth!;
  const refreshCalls = () =>
    oauth().tokenRequests.filter((r) => r.grant_type === 'refresh_token').length;
  const codeExchanges = () =>
    oauth().tokenRequests.filter((r) => r.grant_type === 'authorization_code').length;
  const browsers: OAuthBrowser[] = [];
  const newBrowser = () => {
    const opened = new OAuthBrowser(relay.url, PUBLIC_URL);
    browsers.push(opened);
    return opened;
  };

  beforeAll(async () => {
    now = 1_800_000_000_000;
    jira = await startJiraDouble({ deployment: 'cloud', now: () => now });
    jira.addSite({ id: ACME_CLOUD_ID, name: 'acme', url: 'https://acme.atlassian.net' });
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
    browser = newBrowser();
  });

  async function start(name: string, returnUrl = RETURN_URL): Promise<string> {
    const started = await admin.call('POST', `/v1/connections/${name}/oauth/start`, {
      returnUrl,
    });
    expect(started.status).toBe(200);
    return started.body.authorizeUrl as string;
  }

  /** start → the relay's start link → Atlassian consent (the double's /authorize) → callback. */
  async function authorize(name: string): Promise<{ callbackUrl: string; page: Response }> {
    const result = await browser.authorize(await start(name));
    admin.responses.push(...browser.pages);
    return result;
  }

  async function connection(name: string) {
    const list = await admin.call('GET', '/v1/connections');
    return (list.body.connections as Record<string, unknown>[]).find((c) => c.name === name);
  }

  it('when an admin starts OAuth then the link is on the relay and opening it binds this browser and goes to Atlassian', async () => {
    const started = await admin.call('POST', '/v1/connections/default/oauth/start', {
      returnUrl: RETURN_URL,
    });
    expect(started.body.expiresAt).toBe(new Date(now + 5 * 60 * 1000).toISOString());
    const link = new URL(started.body.authorizeUrl as string);
    expect(`${link.origin}${link.pathname}`).toBe(`${PUBLIC_URL}/oauth/start`);
    expect([...link.searchParams.keys()]).toEqual(['token']);
    expect(started.body.authorizeUrl).not.toMatch(/state=/);

    const opened = await browser.get(link.toString());
    expect(opened.status).toBe(302);
    expect(opened.headers.get('cache-control')).toBe('no-store');
    const [cookie] = browser.setCookieLines;
    expect(browser.setCookieLines).toHaveLength(1);
    expect(cookie).toMatch(/^__Host-pharos_oauth_[0-9a-f]{12}=[A-Za-z0-9_-]{43};/);
    const attributes = (cookie as string)
      .split(';')
      .slice(1)
      .map((a) => a.trim().toLowerCase());
    expect(attributes).toEqual(
      expect.arrayContaining(['httponly', 'secure', 'samesite=lax', 'path=/', 'max-age=600']),
    );
    expect(attributes.some((a) => a.startsWith('domain='))).toBe(false);

    const url = new URL(opened.headers.get('location') as string);
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
    // The state exists only in the redirect: neither it nor the browser secret is stored.
    const rows = await relay.services.store.db.selectFrom('oauth_states').selectAll().execute();
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(link.searchParams.get('token'));
    expect(stored).not.toContain(url.searchParams.get('state'));
    expect(stored).not.toContain([...browser.cookies.values()][0]);
  });

  it('when the start link is opened a second time, or after five minutes, then it is refused', async () => {
    const link = await start('single');
    expect((await browser.get(link)).status).toBe(302);
    const other = newBrowser();
    const again = await other.get(link);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already opened');
    expect(other.setCookieLines).toEqual([]);

    const late = await start('single');
    now += 5 * 60 * 1000 + 1;
    const expired = await newBrowser().get(late);
    expect(expired.status).toBe(400);
    const html = await expired.text();
    expect(html).toContain('This link has expired');
    expect(html).toContain(`href="${RETURN_URL}"`);
  });

  it.each([
    ['plain http', 'http://acme.my.salesforce.com/lightning'],
    ['another host', 'https://evil.example/lightning'],
    ['a look-alike suffix', 'https://acme.salesforce.com.evil.example/'],
    ['a host that only ends like it', 'https://evilsalesforce.com/'],
    ['the bare domain', 'https://force.com/'],
    ['user info', 'https://acme.lightning.force.com@evil.example/'],
    ['credentials', 'https://user:pw@acme.lightning.force.com/'],
    ['an explicit port', 'https://acme.lightning.force.com:8443/'],
    ['a backslash', 'https://evil.example\\@acme.lightning.force.com/'],
    ['javascript', 'javascript:alert(1)//acme.lightning.force.com'],
    ['no URL', 'acme.lightning.force.com'],
    ['a number', 42],
    ['nothing', undefined],
  ])('when the returnUrl is %s then start is refused VALIDATION_FAILED', async (_, returnUrl) => {
    const refused = await admin.call(
      'POST',
      '/v1/connections/bad-return/oauth/start',
      returnUrl === undefined ? {} : { returnUrl },
    );
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      fieldErrors: [expect.objectContaining({ field: 'returnUrl' })],
    });
  });

  it.each([
    'https://acme.lightning.force.com/lightning/n/Jira_Setup?x=1#top',
    'https://acme.my.salesforce.com/lightning/setup',
    'https://ACME.My.Salesforce.com/',
    'https://acme--sandbox.sandbox.my.salesforce-setup.com/lightning/setup/SetupOneHome/home',
    'https://acme.my.site.com/s/jira',
    'https://acme--c.vf.force.com/apex/JiraSetup',
    // The default port is no port: the URL parser drops it, and the link written has none.
    'https://acme.lightning.force.com:443/lightning',
  ])('when the returnUrl is %s then start succeeds', async (returnUrl) => {
    const started = await admin.call('POST', '/v1/connections/good-return/oauth/start', {
      returnUrl,
    });
    expect(started.status).toBe(200);
  });

  it('when the admin consents then the connection is active with its site, account and scopes', async () => {
    const { page } = await authorize('default');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('Jira connected');
    expect(html).toContain(`href="${RETURN_URL}"`);
    expect(await connection('default')).toMatchObject({
      deployment: 'cloud',
      authMethod: 'oauth',
      status: 'active',
      baseUrl: 'https://acme.atlassian.net',
      scopes: DEFAULT_SCOPES,
      account: { accountId: '5b10a2844c20165700ede21g' },
      connectedBy: '0055g00000AbCdEFGH',
      // Atlassian ends no grant at a date the relay knows; the access token's hour is shown.
      expiresAt: null,
      accessTokenExpiresAt: new Date(now + oauth().accessTokenSeconds * 1000).toISOString(),
    });
    const test = await admin.call('POST', '/v1/connections/default/test');
    expect(test.status).toBe(200);
    expect(
      jira.log
        .filter((e) => e.path === '/rest/api/3/myself')
        .every((e) => e.cloudId === ACME_CLOUD_ID),
    ).toBe(true);
  });

  it('when the pages are served then their CSP allows no script, only their own style, and the return link is escaped', async () => {
    const tricky =
      'https://acme.lightning.force.com/lightning/n/Jira_Setup?a=1&b="><script>x</script>';
    const { page } = await browser.authorize(await start('escaped', tricky));
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/style-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|script-src/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).not.toContain('<script>');
    expect(html).toContain(
      'href="https://acme.lightning.force.com/lightning/n/Jira_Setup?a=1&amp;b=%22%3E%3Cscript%3Ex%3C/script%3E"',
    );
  });

  it("when the callback arrives without the browser cookie then nothing is exchanged or stored, and the admin's browser can still finish", async () => {
    const { callbackUrl } = await browser.consent(await start('bound'));
    const exchanges = codeExchanges();

    const elsewhere = newBrowser();
    const stolen = await elsewhere.get(callbackUrl);
    expect(stolen.status).toBe(403);
    expect(stolen.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await stolen.text()).toContain('started in another browser');

    // A browser with a cookie of its own (from another start link) is no better.
    await elsewhere.consent(await start('elsewhere'));
    expect((await elsewhere.get(callbackUrl)).status).toBe(403);

    expect(codeExchanges()).toBe(exchanges);
    expect(await connection('bound')).toBeUndefined();

    const finished = await browser.get(callbackUrl);
    expect(finished.status).toBe(200);
    expect(await finished.text()).toContain('Jira connected');
    expect(codeExchanges()).toBe(exchanges + 1);
    expect((await connection('bound'))?.status).toBe('active');
  });

  it('when the callback is replayed, expired or forged then an error page is shown and nothing changes', async () => {
    const { callbackUrl } = await authorize('replayed');
    const before = await connection('replayed');
    const replay = await browser.get(callbackUrl);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toContain('already completed or used');
    expect(await connection('replayed')).toEqual(before);

    const forged = await browser.get(
      `${relay.url}/oauth/callback?code=x&state=forged-state-value-1234567890`,
    );
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('unknown or has expired');

    const { callbackUrl: late } = await browser.consent(await start('late'));
    now += 11 * 60 * 1000;
    const expired = await browser.get(late);
    expect(expired.status).toBe(400);
    const html = await expired.text();
    expect(html).toContain('This link has expired');
    expect(html).toContain('expired before it was completed');
    expect(await connection('late')).toBeUndefined();
  });

  it('when the admin declines consent then the page says so and nothing is stored', async () => {
    oauth().consent = false;
    const { page } = await authorize('declined');
    expect(page.status).toBe(400);
    const html = await page.text();
    expect(html).toContain('Jira was not connected');
    expect(html).toContain('not granted');
    expect(await connection('declined')).toBeUndefined();
  });

  it.each([
    ['a javascript: site URL', { id: BETA_CLOUD_ID, url: 'javascript:alert(document.domain)' }],
    ['an http site URL', { id: BETA_CLOUD_ID, url: 'http://beta.atlassian.net' }],
    ['a cloud id of ..', { id: '..', url: 'https://beta.atlassian.net' }],
    ['a cloud id with a slash', { id: `${BETA_CLOUD_ID}/../x`, url: 'https://beta.atlassian.net' }],
  ])(
    'when Atlassian lists a site with %s then the connection is not saved and the page says why',
    async (_, site) => {
      const sites = oauth().sites.splice(0);
      jira.addSite({ name: 'beta', ...site });
      try {
        const { page } = await authorize('unsafe');
        expect(page.status).toBe(400);
        const html = await page.text();
        expect(html).toContain('Jira was not connected');
        expect(html).toMatch(
          /Atlassian listed the Jira site &quot;beta&quot; with (a cloud id that is not a UUID|an address that is not a plain https URL)/,
        );
        expect(await connection('unsafe')).toBeUndefined();
      } finally {
        oauth().sites.splice(0, oauth().sites.length, ...sites);
      }
    },
  );

  it('when one of several listed sites is unsafe then none is offered', async () => {
    jira.addSite({ id: '..', name: 'bad', url: 'https://bad.atlassian.net' });
    try {
      const { page } = await authorize('mixed');
      expect(page.status).toBe(400);
      expect(await page.text()).not.toContain('Choose the Jira site');
      expect(await connection('mixed')).toBeUndefined();
    } finally {
      oauth().sites.pop();
    }
  });

  it('when the grant reaches several sites then the admin picks one on the page, in the same browser', async () => {
    jira.addSite({
      id: BETA_CLOUD_ID,
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
      const form = { pick, cloudId: BETA_CLOUD_ID };
      const elsewhere = await newBrowser().postForm(`${relay.url}/oauth/callback/select`, form);
      expect(elsewhere.status).toBe(403);
      expect(await connection('picked')).toBeUndefined();
      const chosen = await browser.postForm(`${relay.url}/oauth/callback/select`, form);
      expect(chosen.status).toBe(200);
      expect(await connection('picked')).toMatchObject({
        baseUrl: 'https://beta.atlassian.net',
        status: 'active',
      });
      const again = await browser.postForm(`${relay.url}/oauth/callback/select`, form);
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

  it('when an OAuth grant goes unused for 80 days then health warns, and a refresh moves the 90 days on', async () => {
    await authorize('aging');
    const granted = now;
    const healthOf = async () => {
      const answer = await admin.call('GET', '/v1/health');
      expect(answer.status).toBe(200);
      return (answer.body.connections as Record<string, unknown>[]).find(
        (c) => c.name === 'aging',
      )!;
    };
    const DAY = 24 * 3600 * 1000;
    expect(await healthOf()).toMatchObject({
      authMethod: 'oauth',
      expiry: 'refresh_unused',
      expiresAt: new Date(granted + 90 * DAY).toISOString(),
      missingScopes: [],
      problems: [],
    });
    now += 80 * DAY;
    expect(await healthOf()).toMatchObject({
      status: 'warning',
      problems: [expect.objectContaining({ code: 'CREDENTIAL_EXPIRES_SOON' })],
    });
    const before = refreshCalls();
    expect((await admin.call('POST', '/v1/connections/aging/test')).status).toBe(200);
    expect(refreshCalls() - before).toBe(1);
    expect(await healthOf()).toMatchObject({
      status: 'ok',
      expiry: 'refresh_unused',
      expiresAt: new Date(now + 90 * DAY).toISOString(),
      problems: [],
    });
  });

  it('when the account that consented removes the app then a live health check names the connection as needing re-authorization, with reconnecting as the next step', async () => {
    const account = {
      ...jira.model.users[0]!,
      accountId: '5b10a2844c20165700ede99r',
      displayName: 'Rae Removed',
    };
    oauth().consentAs = account;
    try {
      await authorize('removed');
    } finally {
      oauth().consentAs = undefined;
    }
    const healthOf = async (query: string) => {
      const answer = await admin.call('GET', `/v1/health${query}`);
      expect(answer.status).toBe(200);
      return (answer.body.connections as Record<string, unknown>[]).find(
        (c) => c.name === 'removed',
      ) as { status: string; problems: { code: string }[] };
    };
    expect(await healthOf('?live=1')).toMatchObject({ status: 'ok', problems: [] });

    // Atlassian answers the relay's next call 401, and the refresh with invalid_grant.
    oauth().revokeGrantsOf(account);
    const reauth = expect.objectContaining({
      code: 'CONNECTION_NEEDS_REAUTH',
      severity: 'error',
      message:
        'Connection "removed" must be authorized again (Atlassian answered invalid_grant); every action with it fails until then.',
      nextStep: 'Reconnect the connection on the Jira setup screen.',
    });
    const live = await healthOf('?live=1');
    expect(live.status).toBe('error');
    expect(live.problems).toEqual(expect.arrayContaining([reauth]));
    // Not "check that Jira is up": Jira answered, only a new consent helps.
    expect(live.problems.map((p) => p.code)).not.toContain('JIRA_UNREACHABLE');
    expect((await connection('removed'))?.status).toBe('needs_reauth');
    // The next check, live or not, reads the same from the store.
    expect((await healthOf('')).problems).toEqual(expect.arrayContaining([reauth]));
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
    const started = await automation.call('POST', '/v1/connections/robot/oauth/start', {
      returnUrl: RETURN_URL,
    });
    expect(started.body.code).toBe('VALIDATION_FAILED');
  });

  it('then no token, code or client secret appears in any response, the log or the database file', () => {
    const secrets = [oauth().clientSecret, ...oauth().issuedRefreshTokens()];
    // Browser secrets (cookie values) are stored as hashes only and never logged.
    for (const opened of browsers) secrets.push(...opened.cookies.values());
    expect(secrets.length).toBeGreaterThan(10);
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

/** The cookie a plain-http relay can set: Secure only where the public URL is https or not loopback. */
describe.each([
  ['http://localhost:8080', false],
  ['http://127.0.0.1:8080', false],
  ['http://relay.internal', true],
])('the OAuth browser cookie with RELAY_PUBLIC_URL=%s', (publicUrl, secure) => {
  let jira: JiraDouble;
  let relay: TestRelay;

  beforeAll(async () => {
    jira = await startJiraDouble({ deployment: 'cloud' });
    relay = await startTestRelay({
      env: {
        RELAY_PUBLIC_URL: publicUrl,
        ATLASSIAN_CLIENT_ID: jira.oauth!.clientId,
        ATLASSIAN_CLIENT_SECRET: jira.oauth!.clientSecret,
        ATLASSIAN_AUTH_URL: jira.url,
        ATLASSIAN_API_URL: jira.url,
      },
    });
  });
  afterAll(async () => {
    await relay.stop();
    await jira.stop();
  });

  it(`when the start link is opened then the cookie is ${secure ? '' : 'not '}Secure`, async () => {
    const admin = new AdminClient(
      relay,
      await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' }),
    );
    const started = await admin.call('POST', '/v1/connections/default/oauth/start', {
      returnUrl: RETURN_URL,
    });
    expect(started.body.authorizeUrl).toMatch(new RegExp(`^${publicUrl}/oauth/start\\?token=`));
    const browser = new OAuthBrowser(relay.url, publicUrl);
    expect((await browser.get(started.body.authorizeUrl as string)).status).toBe(302);
    const [cookie = ''] = browser.setCookieLines;
    expect(/;\s*secure/i.test(cookie)).toBe(secure);
    expect(cookie.startsWith('__Host-')).toBe(secure);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
  });
});
