import { AdminClient } from '../support/connections';
import { fakeResolver } from '../support/fake-resolver';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';

/**
 * The upstream guard behind the relay's connection routes: a base URL an admin types in is
 * refused, and nothing stored, when it reaches an internal address directly, through DNS or
 * through a redirect. upstream-guard.test.ts and upstream-guard-checks.test.ts test the guard
 * itself, without a relay.
 */

describe('connections behind the upstream guard (RELAY_ALLOW_PRIVATE_UPSTREAMS off)', () => {
  let relay: TestRelay;
  let admin: AdminClient;

  beforeAll(async () => {
    relay = await startTestRelay({ serviceOptions: { resolveHost: fakeResolver() } });
    admin = new AdminClient(
      relay,
      await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' }),
    );
  });
  afterAll(() => relay.stop());

  it.each([
    'https://127.0.0.1',
    'https://[::1]',
    'https://169.254.169.254',
    'https://10.0.0.5',
    'https://[::ffff:127.0.0.1]',
    'https://[::127.0.0.1]',
    'https://[::7f00:1]',
    'https://[64:ff9b::a9fe:a9fe]',
    'https://[2002:a00:5::1]',
    'https://[2001:0:4136:e378:8000:63bf:80ff:fffe]',
    'https://[fd00:ec2::254]',
    'https://v4compat.internal.test',
    'https://100.64.1.1',
    'https://jira.internal.test',
    'https://metadata.test',
    'https://rebind.test',
    'http://jira.example.com',
  ])('when the base URL is %s then it is refused and nothing is stored', async (baseUrl) => {
    const put = await admin.call('PUT', '/v1/connections/ssrf', {
      deployment: 'server',
      baseUrl,
      auth: { method: 'pat', token: 'pat-for-ssrf-test' },
    });
    expect(put.status).toBe(400);
    expect(put.body.code).toBe('UPSTREAM_HOST_FORBIDDEN');
    expect((await admin.call('GET', '/v1/connections')).body.connections).toEqual([]);
    expect(await relay.services.vault.get(`connection/${ORG_ID}/ssrf`)).toBeUndefined();
  });
});

describe('redirects from an allowed Jira', () => {
  let jira: JiraDouble;
  let relay: TestRelay;
  let admin: AdminClient;

  beforeAll(async () => {
    jira = await startJiraDouble({ deployment: 'server' });
    // The first hop is the double on loopback, so private upstreams are allowed here; the
    // redirect is refused anyway, because the relay never follows one to another host.
    relay = await startTestRelay({ env: { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' } });
    admin = new AdminClient(
      relay,
      await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' }),
    );
  });
  afterAll(async () => {
    await relay.stop();
    await jira.stop();
  });

  it.each(['http://169.254.169.254/latest/meta-data/', 'https://10.0.0.5/rest/api/2/serverInfo'])(
    'when Jira redirects to %s then the connection is refused and nothing is stored',
    async (location) => {
      jira.faults.add({ route: 'GET /rest/api/2/serverInfo', kind: 'redirect', location });
      const put = await admin.call('PUT', '/v1/connections/redirected', {
        deployment: 'server',
        baseUrl: jira.url,
        auth: { method: 'pat', token: 'NjM3-double-pat-ada' },
      });
      expect(put.body.code).toBe('UPSTREAM_HOST_FORBIDDEN');
      expect((await admin.call('GET', '/v1/connections')).body.connections).toEqual([]);
    },
  );
});
