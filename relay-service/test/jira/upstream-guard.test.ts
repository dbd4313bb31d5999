import { request } from 'undici';
import { forbiddenAddressReason, UpstreamGuard } from '../../src/lib/upstream-guard';
import { fakeResolver } from '../support/fake-resolver';
import { startJiraDouble } from '../support/jira-double';

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

  // Every IPv6 form that carries an IPv4 address is judged by that address, however written.
  it.each([
    ['::127.0.0.1', 'IPv4-compatible form of 127.0.0.1 (loopback'],
    ['[::127.0.0.1]', 'IPv4-compatible form of 127.0.0.1 (loopback'],
    ['::7f00:1', 'IPv4-compatible form of 127.0.0.1 (loopback'],
    ['0:0:0:0:0:0:7f00:1', 'IPv4-compatible form of 127.0.0.1 (loopback'],
    ['0000:0000:0000:0000:0000:0000:127.0.0.1', 'IPv4-compatible form of 127.0.0.1'],
    ['::a9fe:a9fe', '169.254.169.254'],
    ['::ffff:7f00:1', 'IPv4-mapped form of 127.0.0.1'],
    ['::FFFF:A00:5', 'IPv4-mapped form of 10.0.0.5 (private'],
    ['0:0:0:0:0:ffff:169.254.169.254', 'IPv4-mapped form of 169.254.169.254 (cloud metadata'],
    ['::ffff:0:7f00:1', 'IPv4-translated form of 127.0.0.1'],
    ['::ffff:0:10.0.0.5', 'IPv4-translated form of 10.0.0.5'],
    ['64:ff9b::7f00:1', 'NAT64 form of 127.0.0.1'],
    ['64:ff9b::192.168.1.1', 'NAT64 form of 192.168.1.1 (private'],
    ['64:ff9b:0:0:0:0:a9fe:a9fe', 'NAT64 form of 169.254.169.254'],
    ['64:ff9b:1::808:808', 'NAT64 local-use'],
    ['64:ff9b:1:abcd::7f00:1', 'NAT64 local-use'],
    // Unassigned parts of 64:ff9b::/32, even with a public IPv4 address where /96 keeps one.
    ['64:ff9b:0:0:0:1:808:808', 'NAT64 address outside the well-known prefix'],
    ['64:ff9b:2::a00:5', 'NAT64 address outside the well-known prefix'],
    ['64:ff9b:0:0:1::808:808', 'NAT64 address outside the well-known prefix'],
    ['2002:a00:5::1', '6to4 form of 10.0.0.5'],
    ['2002:c0a8:101:1::1', '6to4 form of 192.168.1.1'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'Teredo form of 127.0.0.1 (loopback'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffa', 'Teredo form of 10.0.0.5'],
    ['2001:0:a00:5:8000:63bf:f7f7:f7f7', 'Teredo form of 10.0.0.5'],
    ['fe80::5efe:7f00:1', 'ISATAP form of 127.0.0.1'],
    ['2606:4700::200:5efe:a00:5', 'ISATAP form of 10.0.0.5'],
    ['2606:4700::5efe:192.168.1.1', 'ISATAP form of 192.168.1.1'],
    ['fe80::5efe:808:808', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['[fe80::1%25eth0]', 'linkLocal'],
    ['2001:db8::1', 'reserved'],
    ['fc00::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['127.1', 'loopback'],
    ['2130706433', 'loopback'],
    ['0x7f.0.0.1', 'loopback'],
  ])('when the address is %s then it is refused (%s)', (address, reason) => {
    expect(forbiddenAddressReason(address)).toContain(reason);
  });

  it.each([
    '93.184.216.34',
    '2606:4700::1',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::8.8.8.8',
    '2002:808:808::1',
    '2001:0:808:808:8000:63bf:f7f7:f7f7',
    '2606:4700::200:5efe:808:808',
  ])('when the address is public (%s) then it is allowed', (address) => {
    expect(forbiddenAddressReason(address)).toBeUndefined();
  });

  it('when a socket would connect to a literal loopback address then the agent refuses before dialling, also after a DNS rebind', async () => {
    const jira = await startJiraDouble({ deployment: 'cloud', validate: false });
    const guard = new UpstreamGuard({ allowPrivate: false, resolve: fakeResolver() });
    const agent = guard.agent({ connectTimeoutMs: 1000, connections: 1 });
    try {
      const port = new URL(jira.url).port;
      // The pre-flight check sees the public answer; the socket's own lookup then gets loopback.
      await expect(guard.checkUrl(`https://rebind.test:${port}`)).resolves.toBeInstanceOf(URL);
      for (const host of [
        '127.0.0.1',
        '[::ffff:127.0.0.1]',
        '[::127.0.0.1]',
        '[::7f00:1]',
        '[64:ff9b::7f00:1]',
        'rebind.test',
      ]) {
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

  it('when the redirect check runs with the guard on then another host is never followed', () => {
    const from = new URL('https://jira.example.com/rest/api/2/myself');
    expect(UpstreamGuard.leavesHost(from, 'https://10.0.0.5/x')).toBe(true);
    expect(UpstreamGuard.leavesHost(from, 'http://jira.example.com/x')).toBe(true);
    expect(UpstreamGuard.leavesHost(from, '/rest/api/2/other')).toBe(false);
  });
});
