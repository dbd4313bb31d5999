import { request } from 'undici';
import {
  forbiddenAddressReason,
  UpstreamGuard,
  type HostResolver,
} from '../../src/lib/upstream-guard';
import { AdminClient } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';

/** DNS without a network: names map to fixed answers; `rebind.test` changes its answer. */
function fakeResolver(): HostResolver {
  let rebindLookups = 0;
  const table: Record<string, string> = {
    'jira.internal.test': '10.0.0.5',
    'metadata.test': '169.254.169.254',
    'v6.internal.test': 'fd00:ec2::254',
  };
  return async (hostname) => {
    if (hostname === 'rebind.test') {
      rebindLookups += 1;
      // Public for the first check, loopback when the socket connects (DNS rebinding).
      return [{ address: rebindLookups === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    }
    const address = table[hostname];
    if (!address) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return [{ address, family: address.includes(':') ? 6 : 4 }];
  };
}

describe('upstream guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['10.0.0.5', 'private'],
    ['192.168.1.1', 'private'],
    ['172.16.0.1', 'private'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.5', 'private'],
    ['2002:7f00:1::', '6to4'],
  ])('when the address is %s then it is refused (%s)', (address, reason) => {
    expect(forbiddenAddressReason(address)).toContain(reason);
  });

  it.each(['93.184.216.34', '2606:4700::1', '::ffff:8.8.8.8'])(
    'when the address is public (%s) then it is allowed',
    (address) => {
      expect(forbiddenAddressReason(address)).toBeUndefined();
    },
  );

  it('when a socket would connect to a literal loopback address then the agent refuses before dialling, also after a DNS rebind', async () => {
    const jira = await startJiraDouble({ deployment: 'cloud', validate: false });
    const guard = new UpstreamGuard({ allowPrivate: false, resolve: fakeResolver() });
    const agent = guard.agent({ connectTimeoutMs: 1000, connections: 1 });
    try {
      const port = new URL(jira.url).port;
      // The pre-flight check sees the public answer; the socket's own lookup then gets loopback.
      await expect(guard.checkUrl(`https://rebind.test:${port}`)).resolves.toBeInstanceOf(URL);
      for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', 'rebind.test']) {
        await expect(
          request(`https://${host}:${port}/rest/api/3/myself`, { dispatcher: agent }),
        ).rejects.toThrow(/refused/);
      }
      expect(jira.log).toHaveLength(0);
    } finally {
      await agent.close();
      await jira.stop();
    }
  });
});

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
    'https://[fd00:ec2::254]',
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

  it('when the redirect check runs with the guard on then another host is never followed', () => {
    const from = new URL('https://jira.example.com/rest/api/2/myself');
    expect(UpstreamGuard.leavesHost(from, 'https://10.0.0.5/x')).toBe(true);
    expect(UpstreamGuard.leavesHost(from, 'http://jira.example.com/x')).toBe(true);
    expect(UpstreamGuard.leavesHost(from, '/rest/api/2/other')).toBe(false);
  });
});
