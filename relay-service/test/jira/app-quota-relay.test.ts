import { DEFAULT_SCOPES, startJiraDouble, type JiraDouble } from '../support/jira-double';
import { metricsOf, signedFetch, startTestRelay, USER_ID, type TestRelay } from '../support/relay';
import { ENGINES } from '../support/stores';

/**
 * Tenants sharing the relay's one Atlassian OAuth app: weights stored per tenant, shares in
 * /metrics, and when Jira says the app as a whole is over its quota, the tenant over its share
 * is held back while the others are still served.
 */

const CLOUD_ID = '5f1c2b9e-0d4a-4c3e-9b7a-1e2f3a4b5c6d';
const TENANTS = {
  busy: '00D5g000004BUSYAAA',
  quiet: '00D5g000004QUIEAAA',
  third: '00D5g000004THRDAAA',
} as const;
type TenantName = keyof typeof TENANTS;
const ISSUE_ROUTE = 'GET /rest/api/3/issue/{issueIdOrKey}';

/** An access token of the double's OAuth server, as a completed consent would give. */
function issueAccessToken(jira: JiraDouble): { accessToken: string; refreshToken: string } {
  const oauth = jira.oauth!;
  const redirectUri = 'https://relay.example.test/oauth/callback';
  const consent = oauth.authorize(
    new URLSearchParams({
      client_id: oauth.clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      state: 'seeded',
    }),
  );
  const code = new URL(String(consent.headers?.location)).searchParams.get('code');
  const token = oauth.token({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: oauth.clientId,
    client_secret: oauth.clientSecret,
  }).body as { access_token: string; refresh_token: string };
  return { accessToken: token.access_token, refreshToken: token.refresh_token };
}

function metricValue(text: string, name: string, tenant: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(`"${tenant}"`));
  return line === undefined ? Number.NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe.each(ENGINES)('fair share of the Atlassian app quota on %s', (engine) => {
  let jira: JiraDouble;
  let relay: TestRelay;
  const secrets = {} as Record<TenantName, string>;
  const issueKeys: string[] = [];

  beforeAll(async () => {
    jira = await startJiraDouble({ deployment: 'cloud' });
    jira.addSite({ id: CLOUD_ID, name: 'acme', url: 'https://acme.atlassian.net' });
    relay = await startTestRelay({
      engine,
      env: {
        ATLASSIAN_CLIENT_ID: jira.oauth!.clientId,
        ATLASSIAN_CLIENT_SECRET: jira.oauth!.clientSecret,
        ATLASSIAN_AUTH_URL: jira.url,
        ATLASSIAN_API_URL: jira.url,
      },
      serviceOptions: { jiraTransport: { baseDelayMs: 2, maxDelayMs: 10, maxRetryAfterMs: 1000 } },
    });
    for (let i = 0; i < 30; i += 1)
      issueKeys.push(jira.model.seedIssue('SUP', { summary: `Issue ${i}` }).key);
    for (const [name, orgId] of Object.entries(TENANTS) as [TenantName, string][]) {
      secrets[name] = await relay.services.tenants.add({ orgId, name });
      const { accessToken, refreshToken } = issueAccessToken(jira);
      await relay.services.connections.save(
        { orgId, userId: USER_ID, requestId: `seed-${name}` },
        {
          method: 'oauth',
          accessToken,
          refreshToken,
          accessTokenExpiresAt: Date.now() + 3_600_000,
          scopes: [...DEFAULT_SCOPES],
        },
        {
          name: 'jira',
          deployment: 'cloud',
          baseUrl: `${jira.url}/ex/jira/${CLOUD_ID}`,
          siteUrl: 'https://acme.atlassian.net',
          cloudId: CLOUD_ID,
          authMethod: 'oauth',
          scopes: [...DEFAULT_SCOPES],
          account: { displayName: 'Ada' },
          warnings: [],
          expiresAt: null,
        },
      );
    }
  });
  afterAll(async () => {
    await relay.stop();
    await jira.stop();
  });
  afterEach(() => expect(jira.violations).toEqual([]));

  const view = async (tenant: TenantName, key: string) => {
    const response = await signedFetch(relay.url, {
      method: 'GET',
      path: `/v1/issues/${key}?connection=jira`,
      orgId: TENANTS[tenant],
      secret: secrets[tenant],
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('when tenants use Jira then /metrics shows their points and their shares by weight', async () => {
    await relay.services.tenants.setQuotaWeight(TENANTS.busy, 2);
    for (const key of issueKeys.slice(0, 20)) expect((await view('busy', key)).status).toBe(200);
    expect((await view('quiet', issueKeys[20] as string)).status).toBe(200);
    expect((await view('third', issueKeys[21] as string)).status).toBe(200);
    const metrics = await metricsOf(relay);
    // A view reads one issue: 2 points.
    expect(metricValue(metrics, 'relay_jira_app_quota_points', TENANTS.busy)).toBe(40);
    expect(metricValue(metrics, 'relay_jira_app_quota_points', TENANTS.quiet)).toBe(2);
    expect(metricValue(metrics, 'relay_jira_app_quota_share', TENANTS.busy)).toBeCloseTo(0.5);
    expect(metricValue(metrics, 'relay_jira_app_quota_share', TENANTS.quiet)).toBeCloseTo(0.25);
    await relay.services.tenants.setQuotaWeight(TENANTS.busy, 1);
  });

  it('when Jira says the app is over its quota then the tenant over its share is held back and the others are served', async () => {
    jira.faults.add({
      route: ISSUE_ROUTE,
      kind: 'rateLimit',
      retryAfterSeconds: 30,
      reason: 'jira-quota-global-based',
    });
    const refusedByJira = await view('quiet', issueKeys[22] as string);
    expect(refusedByJira.status).toBe(429);
    expect(refusedByJira.body).toMatchObject({ code: 'JIRA_RATE_LIMITED', jiraStatus: 429 });

    jira.resetCounters();
    const held = await view('busy', issueKeys[23] as string);
    expect(held.status).toBe(429);
    expect(held.body).toMatchObject({ code: 'JIRA_RATE_LIMITED', retryAfter: 30 });
    expect(held.body).not.toHaveProperty('jiraStatus');
    expect(jira.callsTo(ISSUE_ROUTE)).toBe(0);

    expect((await view('third', issueKeys[24] as string)).status).toBe(200);
    expect(jira.callsTo(ISSUE_ROUTE)).toBe(1);
    const metrics = await metricsOf(relay);
    expect(metricValue(metrics, 'relay_jira_app_quota_held_back_total', TENANTS.busy)).toBe(1);
  });
});
