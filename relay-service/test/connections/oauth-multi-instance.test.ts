import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { AdminClient } from '../support/connections';
import { OAuthBrowser } from '../support/oauth-browser';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { freshPostgresUrl } from '../support/stores';

const PUBLIC_URL = 'https://relay.example.test';

describe('OAuth refresh across two relay instances on one PostgreSQL store', () => {
  let jira: JiraDouble;
  let first: TestRelay;
  let second: TestRelay;
  let now: number;
  const clock = { now: () => now };

  beforeAll(async () => {
    now = 1_800_000_000_000;
    jira = await startJiraDouble({ deployment: 'cloud', now: () => now });
    jira.addSite({
      id: '5f1c2b9e-0d4a-4c3e-9b7a-1e2f3a4b5c6d',
      name: 'acme',
      url: 'https://acme.atlassian.net',
    });
    const oauth = jira.oauth!;
    const env = {
      DATABASE_URL: await freshPostgresUrl(),
      RELAY_PUBLIC_URL: PUBLIC_URL,
      ATLASSIAN_CLIENT_ID: oauth.clientId,
      ATLASSIAN_CLIENT_SECRET: oauth.clientSecret,
      ATLASSIAN_AUTH_URL: jira.url,
      ATLASSIAN_API_URL: jira.url,
    };
    first = await startTestRelay({ engine: 'postgres', clock, env });
    second = await startTestRelay({ engine: 'postgres', clock, env });
  });
  afterAll(async () => {
    await Promise.all([first.stop(), second.stop()]);
    await jira.stop();
  });

  it('when 20 requests on an expired token are split over both instances then exactly one refresh happens', async () => {
    const secret = await first.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
    const viaFirst = new AdminClient(first, secret, undefined, clock);
    const viaSecond = new AdminClient(second, secret, undefined, clock);

    const start = await viaFirst.call('POST', '/v1/connections/shared/oauth/start', {
      returnUrl: 'https://acme.lightning.force.com/lightning/n/Jira_Setup',
    });
    // The start link is opened through one instance, Atlassian returns through the other.
    const browser = new OAuthBrowser(first.url, PUBLIC_URL);
    const { callbackUrl } = await browser.consent(start.body.authorizeUrl as string);
    browser.relayUrl = second.url;
    expect((await browser.get(callbackUrl)).status).toBe(200);

    const refreshes = () =>
      jira.oauth!.tokenRequests.filter((r) => r.grant_type === 'refresh_token').length;
    const before = refreshes();
    now += 3600 * 1000;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? viaFirst : viaSecond).call('POST', '/v1/connections/shared/test'),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(refreshes() - before).toBe(1);

    // Both instances keep working with the rotated refresh token the other one stored.
    now += 3600 * 1000;
    expect((await viaSecond.call('POST', '/v1/connections/shared/test')).status).toBe(200);
    now += 3600 * 1000;
    expect((await viaFirst.call('POST', '/v1/connections/shared/test')).status).toBe(200);
    expect(refreshes() - before).toBe(3);
  });
});
