import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { AdminClient } from '../support/connections';
import { OAuthBrowser } from '../support/oauth-browser';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { freshPostgresUrl } from '../support/stores';

const PUBLIC_URL = 'https://relay.example.test';
const HOUR = 3600 * 1000;

describe('Jira Data Center OAuth refresh across two relay instances on one PostgreSQL store', () => {
  let jira: JiraDouble;
  let first: TestRelay;
  let second: TestRelay;
  let now: number;
  const clock = { now: () => now };

  beforeAll(async () => {
    now = 1_800_000_000_000;
    jira = await startJiraDouble({ deployment: 'server', now: () => now });
    jira.dcOAuth!.createIncomingLink({ redirectUri: `${PUBLIC_URL}/oauth/callback` });
    const env = {
      DATABASE_URL: await freshPostgresUrl(),
      RELAY_PUBLIC_URL: PUBLIC_URL,
      RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
    };
    first = await startTestRelay({ engine: 'postgres', clock, env });
    second = await startTestRelay({ engine: 'postgres', clock, env });
  });
  afterAll(async () => {
    await Promise.all([first.stop(), second.stop()]);
    await jira.stop();
  });

  it('when 20 requests on an expired token are split over both instances then exactly one refresh happens', async () => {
    const provider = jira.dcOAuth!;
    const link = provider.link!;
    const secret = await first.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
    const viaFirst = new AdminClient(first, secret, undefined, clock);
    const viaSecond = new AdminClient(second, secret, undefined, clock);

    const saved = await viaFirst.call('PUT', '/v1/connections/shared', {
      deployment: 'server',
      baseUrl: jira.url,
      auth: { method: 'oauth', clientId: link.clientId, clientSecret: link.clientSecret },
    });
    expect(saved.status).toBe(200);
    const start = await viaSecond.call('POST', '/v1/connections/shared/oauth/start', {
      returnUrl: 'https://acme.lightning.force.com/lightning/n/Jira_Setup',
    });
    // The start link is opened through one instance, Jira returns through the other.
    const browser = new OAuthBrowser(first.url, PUBLIC_URL);
    const { callbackUrl } = await browser.consentInJira(start.body.authorizeUrl as string);
    browser.relayUrl = second.url;
    expect((await browser.get(callbackUrl)).status).toBe(200);

    const before = provider.tokenCalls('refresh_token');
    now += HOUR;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? viaFirst : viaSecond).call('POST', '/v1/connections/shared/test'),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(provider.tokenCalls('refresh_token') - before).toBe(1);
    expect(provider.tokenRequests.filter((r) => r.status !== 200)).toEqual([]);

    // Both instances keep working with the rotated refresh token the other one stored.
    now += HOUR;
    expect((await viaSecond.call('POST', '/v1/connections/shared/test')).status).toBe(200);
    now += HOUR;
    expect((await viaFirst.call('POST', '/v1/connections/shared/test')).status).toBe(200);
    expect(provider.tokenCalls('refresh_token') - before).toBe(3);
    expect(provider.tokenRequests.filter((r) => r.status !== 200)).toEqual([]);
  }, 30_000); // a whole connect flow through two instances, then 22 calls: seconds under load
});
