import { connectionOAuthClientRef, connectionSecretRef } from '../../src/jira/auth/credentials';
import { AdminClient } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { OAuthBrowser } from '../support/oauth-browser';
import { ORG_ID, USER_ID, startTestRelay, type TestRelay } from '../support/relay';

const PUBLIC_URL = 'https://relay.example.test';
const REDIRECT_URL = `${PUBLIC_URL}/oauth/callback`;
const HOUR = 3600 * 1000;

/**
 * The relay refuses internal and plain-http upstreams here (RELAY_ALLOW_PRIVATE_UPSTREAMS
 * off), while the Jira double listens on http://127.0.0.1: a Data Center OAuth connection
 * whose base URL is the double (as if saved while internal hosts were allowed) must reach
 * neither its REST API nor its token endpoint.
 */
describe('Jira Data Center OAuth behind the upstream guard', () => {
  let jira: JiraDouble;
  let relay: TestRelay;
  let admin: AdminClient;
  let now: number;
  const clock = { now: () => now };

  beforeAll(async () => {
    now = 1_800_000_000_000;
    jira = await startJiraDouble({ deployment: 'server', now: () => now });
    jira.dcOAuth!.createIncomingLink({ redirectUri: REDIRECT_URL });
    relay = await startTestRelay({ clock, env: { RELAY_PUBLIC_URL: PUBLIC_URL } });
    admin = new AdminClient(
      relay,
      await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' }),
      undefined,
      clock,
    );
  });
  afterAll(async () => {
    await relay.stop();
    await jira.stop();
  });

  /** A grant straight from the double (its consent and token endpoint, no relay involved). */
  async function grantFromJira(): Promise<{ access_token: string; refresh_token: string }> {
    const link = jira.dcOAuth!.link!;
    const authorize = jira.dcOAuth!.authorize(
      new URLSearchParams({
        client_id: link.clientId,
        redirect_uri: REDIRECT_URL,
        response_type: 'code',
        scope: 'WRITE',
        state: 's',
      }),
    );
    const consent = /name="consent" value="([^"]+)"/.exec(authorize.html ?? '')?.[1] as string;
    const back = jira.dcOAuth!.consent({ consent, decision: 'allow' });
    const code = new URL(back.headers!.location as string).searchParams.get('code') as string;
    const answer = await fetch(`${jira.url}/rest/oauth2/latest/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URL,
        client_id: link.clientId,
        client_secret: link.clientSecret,
      }),
    });
    return (await answer.json()) as { access_token: string; refresh_token: string };
  }

  async function seed(name: string, status: 'active' | 'pending', accessExpiresAt: number) {
    const link = jira.dcOAuth!.link!;
    const { vault, store } = relay.services;
    await vault.put(
      connectionOAuthClientRef(ORG_ID, name),
      JSON.stringify({ clientId: link.clientId, clientSecret: link.clientSecret }),
    );
    if (status === 'active') {
      const grant = await grantFromJira();
      await vault.put(
        connectionSecretRef(ORG_ID, name),
        JSON.stringify({
          method: 'oauth',
          accessToken: grant.access_token,
          refreshToken: grant.refresh_token,
          accessTokenExpiresAt: accessExpiresAt,
          scopes: ['WRITE'],
        }),
      );
    }
    await store.db
      .insertInto('connections')
      .values({
        org_id: ORG_ID,
        name,
        deployment: 'server',
        base_url: jira.url,
        auth_method: 'oauth',
        status,
        scopes: '["WRITE"]',
        account: null,
        warnings: '[]',
        secret_ref: connectionSecretRef(ORG_ID, name),
        cloud_id: null,
        site_url: null,
        connected_by: USER_ID,
        connected_at: now,
        expires_at: null,
        created_at: now,
        updated_at: now,
        status_reason: null,
        allow_untemplated_comments: 1,
        identity: 'service',
      })
      .execute();
  }

  it('when the base URL is internal or plain http then the OAuth connection is refused and nothing is stored', async () => {
    const link = jira.dcOAuth!.link!;
    const put = await admin.call('PUT', '/v1/connections/ssrf', {
      deployment: 'server',
      baseUrl: jira.url,
      auth: { method: 'oauth', clientId: link.clientId, clientSecret: link.clientSecret },
    });
    expect(put.status).toBe(400);
    expect(put.body.code).toBe('UPSTREAM_HOST_FORBIDDEN');
    expect(
      await relay.services.vault.get(connectionOAuthClientRef(ORG_ID, 'ssrf')),
    ).toBeUndefined();
    expect((await admin.call('GET', '/v1/connections')).body.connections).toEqual([]);
  });

  it('when a stored connection’s Jira is internal then its REST calls are refused, although its token is good', async () => {
    await seed('rest', 'active', now + HOUR);
    jira.resetCounters();
    const test = await admin.call('POST', '/v1/connections/rest/test');
    expect(test.status).toBe(400);
    expect(test.body.code).toBe('UPSTREAM_HOST_FORBIDDEN');
    expect(jira.log).toEqual([]);
  });

  it('when a stored connection’s Jira is internal then the refresh at its token endpoint is refused before anything is sent', async () => {
    await seed('refresh', 'active', now - 1);
    const calls = jira.dcOAuth!.tokenRequests.length;
    jira.resetCounters();
    const test = await admin.call('POST', '/v1/connections/refresh/test');
    expect(test.status).toBe(400);
    expect(test.body.code).toBe('UPSTREAM_HOST_FORBIDDEN');
    expect(jira.dcOAuth!.tokenRequests.length).toBe(calls);
    expect(jira.log).toEqual([]);
  });

  it('when Jira sends the browser back to a connection whose Jira is internal then the code is not exchanged', async () => {
    await seed('exchange', 'pending', now);
    const calls = jira.dcOAuth!.tokenRequests.length;
    const started = await admin.call('POST', '/v1/connections/exchange/oauth/start', {
      returnUrl: 'https://acme.lightning.force.com/lightning/n/Jira_Setup',
    });
    const browser = new OAuthBrowser(relay.url, PUBLIC_URL);
    const { callbackUrl } = await browser.consentInJira(started.body.authorizeUrl as string);
    const page = await browser.get(callbackUrl);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('The relay does not connect to 127.0.0.1');
    expect(jira.dcOAuth!.tokenRequests.length).toBe(calls);
  });
});
