import { createHash } from 'node:crypto';
import { connectionOAuthClientRef, pkceVerifierRef } from '../../src/jira/auth/credentials';
import {
  AdminClient,
  HTTPS_SITE,
  expectNoSecretLeaks,
  setConnectionSite,
  sqliteBytes,
} from '../support/connections';
import { startJiraDouble, type IncomingLink, type JiraDouble } from '../support/jira-double';
import { OAuthBrowser } from '../support/oauth-browser';
import { ORG_ID, USER_ID, startTestRelay, type TestRelay } from '../support/relay';
import { RelayContractValidator } from '../support/relay-openapi';
import { ENGINES } from '../support/stores';

const PUBLIC_URL = 'https://relay.example.test';
const REDIRECT_URL = `${PUBLIC_URL}/oauth/callback`;
const RETURN_URL = 'https://acme.lightning.force.com/lightning/n/Jira_Setup';
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe.each(ENGINES)('Jira Data Center OAuth 2.0 connections on %s', (engine) => {
  let jira: JiraDouble;
  let relay: TestRelay;
  let admin: AdminClient;
  let now: number;
  let link: IncomingLink;
  const clock = { now: () => now };
  const provider = () => jira.dcOAuth!;
  const browsers: OAuthBrowser[] = [];
  /** Every verifier the relay kept, for "never in plain text" assertions. */
  const verifiers: string[] = [];
  const newBrowser = () => {
    const opened = new OAuthBrowser(relay.url, PUBLIC_URL);
    browsers.push(opened);
    return opened;
  };

  beforeAll(async () => {
    now = 1_800_000_000_000;
    jira = await startJiraDouble({ deployment: 'server', now: () => now });
    // No ATLASSIAN_* settings: a Data Center connection needs no Atlassian app.
    relay = await startTestRelay({
      engine,
      clock,
      env: { RELAY_PUBLIC_URL: PUBLIC_URL, RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' },
      serviceOptions: { jiraTransport: { baseDelayMs: 2, maxDelayMs: 10 } },
    });
    admin = new AdminClient(
      relay,
      await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' }),
      undefined,
      clock,
    );
    link = provider().createIncomingLink({ redirectUri: REDIRECT_URL });
  });
  afterAll(async () => {
    await relay.stop();
    await jira.stop();
  });
  beforeEach(() => {
    jira.faults.clear();
    provider().scopeBeyondLink = 'refuse';
    if (provider().link?.scope !== 'WRITE') {
      link = provider().createIncomingLink({ redirectUri: REDIRECT_URL });
    }
  });

  async function save(name: string, client: Partial<IncomingLink> = link) {
    return admin.call('PUT', `/v1/connections/${name}`, {
      deployment: 'server',
      baseUrl: `${jira.url}/`,
      auth: { method: 'oauth', clientId: client.clientId, clientSecret: client.clientSecret },
    });
  }

  async function start(name: string): Promise<string> {
    const started = await admin.call('POST', `/v1/connections/${name}/oauth/start`, {
      returnUrl: RETURN_URL,
    });
    expect(started.status).toBe(200);
    return started.body.authorizeUrl as string;
  }

  /** The verifier the relay keeps for the state in an authorize URL (decrypted from the vault). */
  async function keptVerifier(authorizeUrl: string): Promise<string | undefined> {
    const state = new URL(authorizeUrl).searchParams.get('state') as string;
    const verifier = await relay.services.vault.get(pkceVerifierRef(sha256(state)));
    if (verifier) verifiers.push(verifier);
    return verifier;
  }

  /** PUT, start, consent in Jira, callback: an active connection. */
  async function connect(name: string): Promise<Response & { authorizeUrl: string }> {
    expect((await save(name)).status).toBe(200);
    const browser = newBrowser();
    const { callbackUrl, authorizeUrl } = await browser.consentInJira(await start(name));
    await keptVerifier(authorizeUrl);
    const page = await browser.get(callbackUrl);
    admin.responses.push(...browser.pages);
    return Object.assign(page, { authorizeUrl });
  }

  async function connection(name: string) {
    const list = await admin.call('GET', '/v1/connections');
    return (list.body.connections as Record<string, unknown>[]).find((c) => c.name === name);
  }

  it('when an admin saves a connection with an incoming link’s client then it is pending, nothing reaches Jira and the list names the redirect URL', async () => {
    jira.resetCounters();
    const put = await save('pending');
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      name: 'pending',
      deployment: 'server',
      baseUrl: jira.url,
      authMethod: 'oauth',
      status: 'pending',
      statusReason: 'Waiting for an admin to authorize the connection in Jira.',
      scopes: [],
      account: null,
      connectedBy: null,
      connectedAt: null,
      expiresAt: null,
      accessTokenExpiresAt: null,
      warnings: [],
      allowCommentsWithoutTemplate: true,
      identity: 'service',
    });
    expect(jira.log).toEqual([]);

    const list = await admin.call('GET', '/v1/connections');
    expect(list.body.oauthRedirectUrl).toBe(REDIRECT_URL);

    // The client is in the vault, encrypted; operations wait for the authorization.
    const stored = await relay.services.vault.get(connectionOAuthClientRef(ORG_ID, 'pending'));
    expect(JSON.parse(stored as string)).toEqual({
      clientId: link.clientId,
      clientSecret: link.clientSecret,
    });
    const test = await admin.call('POST', '/v1/connections/pending/test');
    expect(test.status).toBe(409);
    expect(test.body.code).toBe('CONNECTION_NEEDS_REAUTH');
    expect(test.body.detail).toContain('not completed yet');
    expect(jira.log).toEqual([]);
  });

  it('when the client is offered for Jira Cloud, or is not a visible-ASCII token, then it is refused and nothing is stored', async () => {
    const cloud = await admin.call('PUT', '/v1/connections/refused', {
      deployment: 'cloud',
      baseUrl: 'https://acme.atlassian.net',
      auth: { method: 'oauth', clientId: link.clientId, clientSecret: link.clientSecret },
    });
    expect(cloud.status).toBe(400);
    expect(cloud.body.fieldErrors).toEqual([
      { field: 'auth.method', message: expect.stringContaining('oauth/start') },
    ]);
    const spaced = await save('refused', { clientId: link.clientId, clientSecret: 'with space' });
    expect(spaced.status).toBe(400);
    expect(await connection('refused')).toBeUndefined();
  });

  it('when the admin opens the start link then the browser is bound and sent to the stored Jira’s authorize URL with WRITE and a fresh S256 challenge', async () => {
    expect((await save('dc')).status).toBe(200);
    const first = newBrowser();
    const opened = await first.get(await start('dc'));
    expect(opened.status).toBe(302);
    expect(first.setCookieLines[0]).toMatch(/^__Host-pharos_oauth_[0-9a-f]{12}=/);
    const location = new URL(opened.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(
      `${jira.url}/rest/oauth2/latest/authorize`,
    );
    expect(Object.fromEntries(location.searchParams)).toEqual({
      client_id: link.clientId,
      redirect_uri: REDIRECT_URL,
      response_type: 'code',
      scope: 'WRITE',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
    const verifier = await keptVerifier(location.toString());
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('code_challenge')).toBe(
      createHash('sha256')
        .update(verifier as string, 'ascii')
        .digest('base64url'),
    );

    // Another attempt has its own verifier; neither verifier nor state is stored in plain text.
    const second = await newBrowser().get(await start('dc'));
    const again = new URL(second.headers.get('location') as string);
    expect(again.searchParams.get('code_challenge')).not.toBe(
      location.searchParams.get('code_challenge'),
    );
    const secondVerifier = await keptVerifier(again.toString());
    const rows = JSON.stringify([
      await relay.services.store.db.selectFrom('oauth_states').selectAll().execute(),
      await relay.services.store.db.selectFrom('vault_entries').selectAll().execute(),
    ]);
    for (const value of [verifier, secondVerifier, location.searchParams.get('state')]) {
      expect(rows).not.toContain(value);
      expect(sqliteBytes(relay)).not.toContain(value);
    }
  });

  it('when the admin allows access in Jira then the code is exchanged with the verifier, the connection is active and a create, comment, view and transition work over it', async () => {
    const page = await connect('dcoauth');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Jira connected');
    expect(html).toContain(jira.url);

    const exchange = provider().tokenRequests.at(-1)!;
    expect(exchange).toMatchObject({
      status: 200,
      contentType: 'application/x-www-form-urlencoded',
      inQuery: [],
      params: {
        grant_type: 'authorization_code',
        client_id: link.clientId,
        client_secret: link.clientSecret,
        redirect_uri: REDIRECT_URL,
        code_verifier: verifiers.at(-1),
      },
    });
    // The verifier served once and is gone.
    const state = new URL(page.authorizeUrl).searchParams.get('state') as string;
    expect(await relay.services.vault.get(pkceVerifierRef(sha256(state)))).toBeUndefined();

    expect(await connection('dcoauth')).toMatchObject({
      deployment: 'server',
      authMethod: 'oauth',
      status: 'active',
      statusReason: null,
      scopes: ['WRITE'],
      account: { displayName: 'Ada Admin', name: jira.model.users[0]!.name },
      connectedBy: USER_ID,
      connectedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 90 * DAY).toISOString(),
      accessTokenExpiresAt: new Date(now + HOUR).toISOString(),
      warnings: [],
    });

    await setConnectionSite(relay, 'dcoauth', HTTPS_SITE.server);
    const template = {
      id: 'a0B5g00000T3mPlAAB',
      name: 'Support cases',
      objectApiName: 'Case',
      connection: 'dcoauth',
      projectKey: 'SUP',
      issueType: 'Bug',
      summary: '{{Subject}}',
      description: '{{Description}}',
      fields: [],
      remoteLink: true,
      allowComments: true,
      allowedTransitions: ['In Progress', 'Done'],
    };
    const record = {
      id: '5005g00000Q1w2eAAB',
      url: 'https://acme.my.salesforce.com/lightning/r/Case/5005g00000Q1w2eAAB/view',
      objectApiName: 'Case',
      fields: { Subject: 'Checkout fails', Description: 'Card payments fail since 09:00' },
    };
    const user = { name: 'Sam Agent', email: 'sam@acme.example' };
    const created = await admin.call(
      'POST',
      '/v1/issues',
      { template, record, user },
      { 'Idempotency-Key': 'dc-oauth-create-1' },
    );
    expect(created.status).toBe(201);
    const key = (created.body.issue as { key: string }).key;
    const issue = jira.model.issues.get(key)!;
    expect(issue.fields.summary).toBe('Checkout fails');

    const comment = await admin.call('POST', `/v1/issues/${key}/comments`, {
      connection: 'dcoauth',
      body: 'Customer called again.',
      record: { id: record.id, url: record.url },
      user,
      template,
    });
    expect(comment.status).toBe(201);
    // Jira saw the comment come from the user who authorized the connection.
    expect(issue.comments.at(-1)!.author.name).toBe(jira.model.users[0]!.name);

    const view = await admin.call('GET', `/v1/issues/${key}?connection=dcoauth`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ key, summary: 'Checkout fails' });

    const moved = await admin.call('POST', `/v1/issues/${key}/transitions`, {
      connection: 'dcoauth',
      template,
      transition: { toStatus: 'In Progress' },
      fields: {},
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ status: { name: 'In Progress' } });
    expect(jira.violations).toEqual([]);
  });

  it('when the stored verifier does not match the challenge then Jira refuses the code and the connection stays pending', async () => {
    expect((await save('wrongpkce')).status).toBe(200);
    const browser = newBrowser();
    const { callbackUrl, authorizeUrl } = await browser.consentInJira(await start('wrongpkce'));
    const state = new URL(authorizeUrl).searchParams.get('state') as string;
    await relay.services.vault.put(pkceVerifierRef(sha256(state)), 'x'.repeat(43));
    const page = await browser.get(callbackUrl);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('Jira refused the authorization code (invalid_grant)');
    expect(provider().tokenRequests.at(-1)).toMatchObject({
      status: 400,
      error: 'invalid_grant',
    });
    expect(await connection('wrongpkce')).toMatchObject({ status: 'pending', account: null });
  });

  it('when the callback is replayed then the relay refuses it without calling Jira, and Jira refuses a replayed code', async () => {
    expect((await save('replay')).status).toBe(200);
    const browser = newBrowser();
    const { callbackUrl } = await browser.consentInJira(await start('replay'));
    expect((await browser.get(callbackUrl)).status).toBe(200);
    const exchanges = provider().tokenCalls('authorization_code');

    const again = await browser.get(callbackUrl);
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('already completed or used');
    expect(provider().tokenCalls('authorization_code')).toBe(exchanges);

    // The code itself is single-use at Jira too.
    const code = new URL(callbackUrl).searchParams.get('code') as string;
    const replayed = await fetch(`${jira.url}/rest/oauth2/latest/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URL,
        code_verifier: 'y'.repeat(43),
        client_id: link.clientId,
        client_secret: link.clientSecret,
      }),
    });
    expect(replayed.status).toBe(400);
    expect(await replayed.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('when Jira’s redirect arrives in a browser without the start link’s cookie then nothing is exchanged and the admin’s browser can still finish', async () => {
    expect((await save('bound')).status).toBe(200);
    const browser = newBrowser();
    const { callbackUrl } = await browser.consentInJira(await start('bound'));
    const exchanges = provider().tokenCalls('authorization_code');
    const stranger = await newBrowser().get(callbackUrl);
    expect(stranger.status).toBe(403);
    expect(provider().tokenCalls('authorization_code')).toBe(exchanges);
    expect((await browser.get(callbackUrl)).status).toBe(200);
    expect(await connection('bound')).toMatchObject({ status: 'active' });
  });

  it('when the admin denies access in Jira then the page says so and the connection stays pending', async () => {
    expect((await save('denied')).status).toBe(200);
    const browser = newBrowser();
    const { callbackUrl } = await browser.consentInJira(await start('denied'), 'deny');
    expect(new URL(callbackUrl).searchParams.get('error')).toBe('access_denied');
    const page = await browser.get(callbackUrl);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('Authorization was not granted in Jira');
    expect(await connection('denied')).toMatchObject({ status: 'pending' });
  });

  it('when 20 requests arrive on an expired access token then exactly one refresh happens and the rotated refresh token is the one kept', async () => {
    expect((await connect('busy')).status).toBe(200);
    const before = provider().tokenCalls('refresh_token');
    const issuedBefore = provider().issuedRefreshTokens().length;
    now += HOUR;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => admin.call('POST', '/v1/connections/busy/test')),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(provider().tokenCalls('refresh_token') - before).toBe(1);
    expect(provider().tokenRequests.at(-1)).toMatchObject({
      status: 200,
      inQuery: [],
      params: { grant_type: 'refresh_token', redirect_uri: REDIRECT_URL },
    });
    // Jira took the old refresh token back: only the stored one refreshes again.
    expect(provider().issuedRefreshTokens().length).toBe(issuedBefore);
    expect(await connection('busy')).toMatchObject({
      status: 'active',
      expiresAt: new Date(now + 90 * DAY).toISOString(),
      accessTokenExpiresAt: new Date(now + HOUR).toISOString(),
    });
    now += HOUR;
    expect((await admin.call('POST', '/v1/connections/busy/test')).status).toBe(200);
    expect(provider().tokenCalls('refresh_token') - before).toBe(2);
  });

  it('when a connection goes unused then it warns two weeks before the refresh token’s horizon, and after it needs re-authorization', async () => {
    expect((await connect('idle')).status).toBe(200);
    const horizon = now + 90 * DAY;
    const day = new Date(horizon).toISOString().slice(0, 10);
    now = horizon - 15 * DAY;
    expect((await connection('idle'))!.warnings).toEqual([]);
    now = horizon - 13 * DAY;
    expect((await connection('idle'))!.warnings).toEqual([
      `The Jira authorization lapses on ${day} unless the connection is used before; otherwise an admin connects it again.`,
    ]);
    now = horizon + 1;
    expect((await connection('idle'))!.warnings).toEqual([
      `The Jira authorization lapsed on ${day}; an admin connects it again.`,
    ]);
    const refused = await admin.call('POST', '/v1/connections/idle/test');
    expect(refused.body.code).toBe('CONNECTION_NEEDS_REAUTH');
    expect(await connection('idle')).toMatchObject({ status: 'needs_reauth' });
  });

  it('when Jira refuses an access token before its time then the relay refreshes once and retries', async () => {
    expect((await connect('early')).status).toBe(200);
    const before = provider().tokenCalls('refresh_token');
    provider().expireAccessTokens();
    expect((await admin.call('POST', '/v1/connections/early/test')).status).toBe(200);
    expect(provider().tokenCalls('refresh_token') - before).toBe(1);
  });

  it('when the user revokes the app in Jira then the next refresh makes the connection needs_reauth and Jira is no longer called', async () => {
    expect((await connect('revoked')).status).toBe(200);
    provider().revokeAll();
    const refused = await admin.call('POST', '/v1/connections/revoked/test');
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('CONNECTION_NEEDS_REAUTH');
    expect(provider().tokenRequests.at(-1)).toMatchObject({ error: 'invalid_grant' });
    expect(await connection('revoked')).toMatchObject({
      status: 'needs_reauth',
      statusReason: 'Jira answered invalid_grant',
    });
    jira.resetCounters();
    const calls = provider().tokenRequests.length;
    expect((await admin.call('POST', '/v1/connections/revoked/test')).status).toBe(409);
    expect(jira.log).toEqual([]);
    expect(provider().tokenRequests.length).toBe(calls);

    // Connecting again brings it back.
    const browser = newBrowser();
    const { callbackUrl } = await browser.consentInJira(await start('revoked'));
    expect((await browser.get(callbackUrl)).status).toBe(200);
    expect(await connection('revoked')).toMatchObject({ status: 'active', statusReason: null });
  });

  it('when the incoming link is deleted in Jira then a refresh answers invalid_client and the connection needs re-authorization', async () => {
    expect((await connect('unlinked')).status).toBe(200);
    provider().deleteIncomingLink();
    now += HOUR;
    const refused = await admin.call('POST', '/v1/connections/unlinked/test');
    expect(refused.body.code).toBe('CONNECTION_NEEDS_REAUTH');
    expect(await connection('unlinked')).toMatchObject({
      status: 'needs_reauth',
      statusReason: 'Jira answered invalid_client',
    });
  });

  it('when the link allows READ only then Jira refuses WRITE, or grants READ and the connection warns and refuses writes before reaching Jira', async () => {
    link = provider().createIncomingLink({ redirectUri: REDIRECT_URL, scope: 'READ' });
    expect((await save('readonly')).status).toBe(200);
    const browser = newBrowser();
    const opened = await browser.get(await start('readonly'));
    const refusal = await browser.get(opened.headers.get('location') as string);
    expect(refusal.status).toBe(302);
    const back = new URL(refusal.headers.get('location') as string);
    expect(back.searchParams.get('error')).toBe('invalid_scope');
    expect((await browser.get(back.toString())).status).toBe(400);
    expect(await connection('readonly')).toMatchObject({ status: 'pending' });

    provider().scopeBeyondLink = 'reduce';
    expect((await connect('readonly')).status).toBe(200);
    expect(await connection('readonly')).toMatchObject({
      status: 'active',
      scopes: ['READ'],
      warnings: [expect.stringContaining('Jira granted READ, not WRITE')],
    });
    jira.resetCounters();
    const comment = await admin.call('POST', '/v1/issues/SUP-1/comments', {
      connection: 'readonly',
      body: 'Hello',
      record: {
        id: '5005g00000Q1w2eAAB',
        url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
      },
      user: { name: 'Sam Agent', email: 'sam@acme.example' },
    });
    expect(comment.status).toBe(403);
    expect(comment.body).toMatchObject({ code: 'SCOPE_MISSING', missingScopes: ['WRITE'] });
    expect(jira.jiraCalls).toBe(0);
    // Reading still works.
    expect((await admin.call('POST', '/v1/connections/readonly/test')).status).toBe(200);
  });

  it('when the connection is saved again with a new client then flows begun with the old one end', async () => {
    expect((await save('resaved')).status).toBe(200);
    const browser = newBrowser();
    const { callbackUrl } = await browser.consentInJira(await start('resaved'));
    expect((await save('resaved')).status).toBe(200);
    const page = await browser.get(callbackUrl);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('unknown or has expired');
    expect(await connection('resaved')).toMatchObject({ status: 'pending' });
  });

  it('when the connection is deleted then its client, tokens and waiting verifiers go with it', async () => {
    expect((await connect('gone')).status).toBe(200);
    await newBrowser().get(await start('gone'));
    expect((await admin.call('DELETE', '/v1/connections/gone')).status).toBe(204);
    const refs = (
      await relay.services.store.db.selectFrom('vault_entries').select('ref').execute()
    ).map((r) => r.ref);
    expect(refs.filter((ref) => ref.includes('/gone'))).toEqual([]);
    const states = await relay.services.store.db
      .selectFrom('oauth_states')
      .select('state_hash')
      .where('connection_name', '=', 'gone')
      .execute();
    expect(states).toEqual([]);
  });

  it('then no client secret, token, code or verifier appears in any response, page, the log or the database file', () => {
    const tokens = provider().tokenRequests.flatMap((r) =>
      [
        r.params.client_secret,
        r.params.refresh_token,
        r.params.code_verifier,
        r.params.code,
      ].filter((v): v is string => Boolean(v)),
    );
    expect(tokens.length).toBeGreaterThan(10);
    expectNoSecretLeaks(relay, admin, [
      link.clientSecret,
      ...provider().everIssued(),
      ...tokens,
      ...verifiers,
    ]);
  });

  it('then every relay answer matched relay-service/openapi.yaml', () => {
    expect(new RelayContractValidator().checkAll(admin.exchanges)).toEqual([]);
  });
});
