import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { AppError } from '../../src/lib/errors';
import {
  UpstreamForbiddenError,
  UpstreamGuard,
  UpstreamUnresolvedError,
  forbiddenAddressReason,
  forbiddenCause,
  isIpLiteral,
  systemResolver,
  upstreamForbidden,
  type HostResolver,
  type ResolvedAddress,
} from '../../src/lib/upstream-guard';

/**
 * The upstream guard's own checks, called directly (no relay): the URL check an admin's base
 * URL goes through, the socket lookup, the agent with private upstreams allowed, and the
 * helpers callers use to recognise a refusal. upstream-guard.test.ts judges the addresses and
 * goes through the relay's connection routes.
 */

/** DNS without a network: each name has fixed answers; lookups are counted. */
function resolverOf(table: Record<string, ResolvedAddress[]>): HostResolver & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const answer = table[hostname];
    if (!answer) throw Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return answer;
  };
  return Object.assign(resolve, { asked });
}

const PUBLIC_V4: ResolvedAddress = { address: '93.184.216.34', family: 4 };
const PUBLIC_V6: ResolvedAddress = { address: '2606:4700::1', family: 6 };
const PRIVATE_V4: ResolvedAddress = { address: '10.0.0.5', family: 4 };

const TABLE = {
  'jira.example.com': [PUBLIC_V4, PUBLIC_V6],
  'v6only.example.com': [PUBLIC_V6],
  'split.example.com': [PUBLIC_V4, PRIVATE_V4],
  'intranet.example.com': [PRIVATE_V4],
  'empty.example.com': [],
};

async function failureOf(work: Promise<unknown>): Promise<unknown> {
  return work.then(
    () => {
      throw new Error('expected a refusal');
    },
    (error: unknown) => error,
  );
}

describe('checking an upstream URL', () => {
  const guarded = () => {
    const resolve = resolverOf(TABLE);
    return { guard: new UpstreamGuard({ allowPrivate: false, resolve }), resolve };
  };

  it('when the base URL is a public https host then it is returned as a URL', async () => {
    const { guard, resolve } = guarded();
    const url = await guard.checkUrl('https://jira.example.com/jira');
    expect(url.href).toBe('https://jira.example.com/jira');
    expect(resolve.asked).toEqual(['jira.example.com']);
  });

  it('when the base URL is not a URL then VALIDATION_FAILED names baseUrl and nothing is resolved', async () => {
    const { guard, resolve } = guarded();
    const error = await failureOf(guard.checkUrl('jira.example.com'));
    expect(error).toMatchObject({
      code: 'VALIDATION_FAILED',
      detail: 'The base URL is not a valid URL.',
      fieldErrors: [{ field: 'baseUrl', message: 'expected an absolute https URL' }],
    });
    expect((error as AppError).cause).toMatchObject({ code: 'ERR_INVALID_URL' });
    expect(resolve.asked).toEqual([]);
  });

  it.each(['https://ada@jira.example.com', 'https://:secret@jira.example.com'])(
    'when the base URL carries credentials (%s) then VALIDATION_FAILED asks to remove them',
    async (raw) => {
      const { guard } = guarded();
      await expect(guard.checkUrl(raw)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        detail: 'The base URL must not carry credentials.',
        fieldErrors: [{ field: 'baseUrl', message: 'remove user:password@ from the URL' }],
      });
    },
  );

  it.each(['http://jira.example.com', 'ftp://jira.example.com', 'file:///etc/passwd'])(
    'when the scheme of %s is not https then the URL is refused',
    async (raw) => {
      const { guard, resolve } = guarded();
      const error = await failureOf(guard.checkUrl(raw));
      expect(error).toMatchObject({ code: 'UPSTREAM_HOST_FORBIDDEN' });
      expect((error as AppError).detail).toContain('(only https is allowed)');
      expect(resolve.asked).toEqual([]);
    },
  );

  it('when one of the addresses a name resolves to is private then the URL is refused, naming host and reason', async () => {
    const { guard } = guarded();
    const error = await failureOf(guard.checkUrl('https://split.example.com:8443/'));
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).detail).toBe(
      'The relay does not connect to split.example.com:8443 (private address). Use the public https address of the Jira site; an operator can allow internal hosts with RELAY_ALLOW_PRIVATE_UPSTREAMS=true.',
    );
  });

  it('when the host is an address literal then it is judged without DNS', async () => {
    const { guard, resolve } = guarded();
    await expect(guard.checkUrl('https://93.184.216.34/')).resolves.toBeInstanceOf(URL);
    await expect(guard.checkUrl('https://[2606:4700::1]/')).resolves.toBeInstanceOf(URL);
    await expect(guard.checkUrl('https://[::1]/')).rejects.toMatchObject({
      code: 'UPSTREAM_HOST_FORBIDDEN',
    });
    expect(resolve.asked).toEqual([]);
  });

  it.each([
    ['has no address', 'https://empty.example.com', 'no addresses'],
    ['is unknown to DNS', 'https://nowhere.example.com', 'ENOTFOUND nowhere.example.com'],
  ])('when the host %s then UpstreamUnresolvedError says so', async (_what, raw, cause) => {
    const { guard } = guarded();
    const error = await failureOf(guard.checkUrl(raw));
    expect(error).toBeInstanceOf(UpstreamUnresolvedError);
    const host = new URL(raw).hostname;
    expect(error).toMatchObject({
      name: 'UpstreamUnresolvedError',
      host,
      message: `upstream ${host} could not be resolved`,
    });
    expect(((error as Error).cause as Error).message).toBe(cause);
  });

  it('when private upstreams are allowed then http and internal hosts pass without DNS, but other schemes do not', async () => {
    const resolve = resolverOf(TABLE);
    const guard = new UpstreamGuard({ allowPrivate: true, resolve });
    expect(guard.allowPrivate).toBe(true);
    await expect(guard.checkUrl('http://intranet.example.com:8080')).resolves.toBeInstanceOf(URL);
    await expect(guard.checkUrl('https://10.0.0.5')).resolves.toBeInstanceOf(URL);
    await expect(guard.checkUrl('ftp://intranet.example.com')).rejects.toMatchObject({
      code: 'UPSTREAM_HOST_FORBIDDEN',
    });
    expect(resolve.asked).toEqual([]);
  });

  it('when no resolver is given then the system resolver is used', async () => {
    const guard = new UpstreamGuard({ allowPrivate: false });
    await expect(guard.checkUrl('https://localhost')).rejects.toMatchObject({
      code: 'UPSTREAM_HOST_FORBIDDEN',
      detail: expect.stringContaining('(loopback address)') as string,
    });
  });
});

describe('the system resolver', () => {
  it('when a name has addresses then each is returned with its family as 4 or 6', async () => {
    const addresses = await systemResolver('localhost');
    expect(addresses).toContainEqual({ address: '127.0.0.1', family: 4 });
    for (const a of addresses) expect(a.family).toBe(a.address.includes(':') ? 6 : 4);
  });
});

describe('the lookup a guarded socket uses', () => {
  type Answer = { error: NodeJS.ErrnoException | null; address: unknown; family?: number };
  const lookupWith = (guard: UpstreamGuard, hostname: string, options: object) =>
    new Promise<Answer>((resolve) => {
      const lookup = guard.lookup() as (
        hostname: string,
        options: object,
        callback: (error: NodeJS.ErrnoException | null, address: unknown, family?: number) => void,
      ) => void;
      lookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
    });
  const guard = (allowPrivate = false) =>
    new UpstreamGuard({ allowPrivate, resolve: resolverOf(TABLE) });

  it('when one address is forbidden then the socket gets an UpstreamForbiddenError and no address', async () => {
    const answer = await lookupWith(guard(), 'split.example.com', {});
    expect(answer.error).toBeInstanceOf(UpstreamForbiddenError);
    expect(answer.error).toMatchObject({
      name: 'UpstreamForbiddenError',
      host: 'split.example.com',
      reason: 'private address',
      message: 'upstream split.example.com refused: private address',
    });
    expect(answer.address).toBe('');
  });

  it('when private upstreams are allowed then a private address is handed to the socket', async () => {
    expect(await lookupWith(guard(true), 'intranet.example.com', {})).toEqual({
      error: null,
      address: '10.0.0.5',
      family: 4,
    });
  });

  it('when a family is asked for then only addresses of that family are handed out', async () => {
    expect(await lookupWith(guard(), 'jira.example.com', { family: 6 })).toEqual({
      error: null,
      address: '2606:4700::1',
      family: 6,
    });
    expect(await lookupWith(guard(), 'jira.example.com', { family: 4 })).toMatchObject({
      address: '93.184.216.34',
    });
    expect(await lookupWith(guard(), 'jira.example.com', { family: 0 })).toMatchObject({
      address: '93.184.216.34',
    });
  });

  it('when all addresses are asked for then every usable one is handed out', async () => {
    expect(await lookupWith(guard(), 'jira.example.com', { all: true })).toEqual({
      error: null,
      address: [PUBLIC_V4, PUBLIC_V6],
    });
    expect(await lookupWith(guard(), 'jira.example.com', { all: true, family: 6 })).toEqual({
      error: null,
      address: [PUBLIC_V6],
    });
  });

  it('when no address has the family asked for then the socket gets ENOTFOUND', async () => {
    const answer = await lookupWith(guard(), 'v6only.example.com', { family: 4 });
    expect(answer.error).toMatchObject({
      code: 'ENOTFOUND',
      message: 'no address for v6only.example.com',
    });
    expect(answer.address).toBe('');
  });

  it('when DNS fails then its error reaches the socket', async () => {
    const answer = await lookupWith(guard(), 'nowhere.example.com', {});
    expect(answer.error).toMatchObject({
      code: 'ENOTFOUND',
      message: 'ENOTFOUND nowhere.example.com',
    });
  });
});

describe('the guarded agent', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('when private upstreams are allowed then plain http to a loopback name and address connects', async () => {
    const resolve = resolverOf({ 'intranet.test': [{ address: '127.0.0.1', family: 4 }] });
    const agent = new UpstreamGuard({ allowPrivate: true, resolve }).agent({
      connectTimeoutMs: 2_000,
      connections: 1,
    });
    try {
      for (const host of ['127.0.0.1', 'intranet.test']) {
        const answer = await request(`http://${host}:${port}/`, { dispatcher: agent });
        expect(await answer.body.text()).toBe('ok');
      }
    } finally {
      await agent.close();
    }
  });

  it('when private upstreams are not allowed then plain http is refused before dialling', async () => {
    let connections = 0;
    server.on('connection', () => (connections += 1));
    const agent = new UpstreamGuard({ allowPrivate: false, resolve: resolverOf(TABLE) }).agent({
      connectTimeoutMs: 2_000,
      connections: 1,
    });
    try {
      const error = await failureOf(request(`http://127.0.0.1:${port}/`, { dispatcher: agent }));
      expect(forbiddenCause(error)).toMatchObject({ reason: 'only https is allowed' });
      expect(connections).toBe(0);
    } finally {
      await agent.close();
    }
  });

  it('when a connection cannot be made then its error is passed on', async () => {
    const agent = new UpstreamGuard({ allowPrivate: true }).agent({
      connectTimeoutMs: 2_000,
      connections: 1,
    });
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    try {
      const error = await failureOf(
        request(`http://127.0.0.1:${closedPort}/`, { dispatcher: agent }),
      );
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
      expect(forbiddenCause(error)).toBeUndefined();
    } finally {
      await agent.close();
    }
  });
});

describe('recognising a refusal', () => {
  const refusal = new UpstreamForbiddenError('10.0.0.5', 'private address');

  it('when a refusal is wrapped up to five times then forbiddenCause finds it', () => {
    let error: unknown = refusal;
    for (let depth = 1; depth <= 5; depth += 1) {
      error = new Error(`wrapped ${depth}`, { cause: error });
      expect(forbiddenCause(error)).toBe(refusal);
    }
    expect(forbiddenCause(new Error('deeper', { cause: error }))).toBeUndefined();
  });

  it('when an error has no refusal in its chain then forbiddenCause finds none', () => {
    expect(forbiddenCause(new Error('x', { cause: new Error('y') }))).toBeUndefined();
    expect(forbiddenCause(undefined)).toBeUndefined();
    expect(forbiddenCause('text')).toBeUndefined();
  });

  it('when a refusal is answered then it is UPSTREAM_HOST_FORBIDDEN with host, reason and cause', () => {
    const answer = upstreamForbidden('10.0.0.5:443', 'private address', refusal);
    expect(answer).toMatchObject({ code: 'UPSTREAM_HOST_FORBIDDEN', status: 400 });
    expect(answer.detail).toContain('does not connect to 10.0.0.5:443 (private address)');
    expect(answer.cause).toBe(refusal);
  });

  it.each([
    ['127.0.0.1', true],
    ['[::1]', true],
    ['::ffff:10.0.0.5', true],
    ['jira.example.com', false],
    ['localhost', false],
    ['', false],
  ])('when the host is %s then isIpLiteral is %s', (host, literal) => {
    expect(isIpLiteral(host)).toBe(literal);
  });

  it('when a redirect keeps host and scheme but not the port then it leaves the host', () => {
    const from = new URL('https://jira.example.com/rest/api/2/myself');
    expect(UpstreamGuard.leavesHost(from, 'https://jira.example.com:8443/x')).toBe(true);
    expect(UpstreamGuard.leavesHost(from, 'https://jira.example.com/other')).toBe(false);
    expect(UpstreamGuard.leavesHost(from, 'https://[::1')).toBe(true);
  });
});

describe('judging an address', () => {
  it.each([
    ['100.100.100.200', 'cloud metadata address'],
    ['jira.example.com', 'not an IP address'],
    ['jira.example.com:443', 'not an IP address'],
    ['::2', 'IPv4-compatible form of 0.0.0.2 (unspecified address)'],
    ['::1', 'loopback address'],
    ['::', 'unspecified address'],
  ])('when the address is %s then the reason is exactly "%s"', (address, reason) => {
    expect(forbiddenAddressReason(address)).toBe(reason);
  });
});

describe('public IPv6 addresses that only look like a form carrying IPv4', () => {
  // Each has one part of a form's prefix and a private IPv4 address where that form keeps one;
  // none is that form, so the IPv4 part means nothing and the address is public.
  it.each([
    ['2606:4700::ffff:a00:5', 'IPv4-mapped, with a prefix'],
    ['2606:4700:0:0:ffff:0:a00:5', 'IPv4-translated, with a prefix'],
    ['64:1::a00:5', 'NAT64, without ff9b'],
    ['2606:ff9b::a00:5', 'NAT64, without 64'],
    ['64:1:1::808:808', 'NAT64 local-use, without ff9b'],
    ['2606:ff9b:1::808:808', 'NAT64 local-use, without 64'],
    ['2606:4700::400:5efe:a00:5', 'ISATAP, with a flag it does not allow'],
  ])('when the address is %s (%s) then it is allowed', (address) => {
    expect(forbiddenAddressReason(address)).toBeUndefined();
  });

  it('when an IPv4-compatible address carries a private IPv4 address then that address is judged', () => {
    expect(forbiddenAddressReason('::a00:1')).toBe(
      'IPv4-compatible form of 10.0.0.1 (private address)',
    );
  });
});

describe('the guarded agent with private upstreams refused', () => {
  const agentOf = (resolve: HostResolver) =>
    new UpstreamGuard({ allowPrivate: false, resolve }).agent({
      connectTimeoutMs: 300,
      connections: 1,
    });

  it('when https goes to a loopback address or name then it is refused for being loopback', async () => {
    const agent = agentOf(resolverOf({ 'loop.test': [{ address: '127.0.0.1', family: 4 }] }));
    try {
      for (const host of ['127.0.0.1', '[::1]', 'loop.test']) {
        const error = await failureOf(request(`https://${host}:9/`, { dispatcher: agent }));
        expect(forbiddenCause(error)).toMatchObject({ reason: 'loopback address' });
      }
    } finally {
      await agent.close();
    }
  });

  it('when https goes to a public address then the guard lets the socket dial it', async () => {
    const agent = agentOf(resolverOf({}));
    try {
      // No network here: the dial fails, but not because the guard refused it.
      const error = await failureOf(request('https://93.184.216.34:9/', { dispatcher: agent }));
      expect(forbiddenCause(error)).toBeUndefined();
    } finally {
      await agent.close();
    }
  });
});

describe('the system resolver, for an address', () => {
  it('when the name is an IPv6 address then it comes back as family 6', async () => {
    expect(await systemResolver('::1')).toEqual([{ address: '::1', family: 6 }]);
  });
});
