import type { HostResolver } from '../../src/lib/upstream-guard';

/** DNS without a network: names map to fixed answers; `rebind.test` changes its answer. */
export function fakeResolver(): HostResolver {
  let rebindLookups = 0;
  const table: Record<string, string> = {
    'jira.internal.test': '10.0.0.5',
    'metadata.test': '169.254.169.254',
    'v6.internal.test': 'fd00:ec2::254',
    'v4compat.internal.test': '::7f00:1',
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
