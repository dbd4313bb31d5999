import net from 'node:net';
import { signedHeaders } from '../../src/tenants/signing';
import { ENGINES } from '../support/stores';
import {
  ORG_ID,
  USER_ID,
  signedFetch,
  startTestRelay,
  type SignedCall,
  type TestRelay,
} from '../support/relay';

describe.each(ENGINES)('signed tenant requests on %s', (engine) => {
  let relay: TestRelay;
  let secret: string;
  let now: number;
  const clock = { now: () => now };

  beforeAll(async () => {
    now = Date.now();
    relay = await startTestRelay({ engine, clock });
    secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
  });
  afterAll(() => relay.stop());

  const call = (overrides: Partial<SignedCall> = {}) =>
    signedFetch(relay.url, {
      method: 'GET',
      path: '/v1/connections',
      orgId: ORG_ID,
      userId: USER_ID,
      secret,
      timestamp: String(Math.floor(now / 1000)),
      ...overrides,
    });

  async function expectProblem(response: Response, status: number, code: string) {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await response.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      status,
      code,
      type: expect.stringContaining('urn:pharos-jira:problem:'),
      title: expect.any(String),
      detail: expect.any(String),
    });
    expect(problem.requestId).toBe(response.headers.get('x-request-id'));
    return problem;
  }

  it('when a request is signed as the contract says then it is accepted', async () => {
    const response = await call();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
    expect(await response.json()).toEqual({
      connections: [],
      oauthRedirectUrl: expect.stringMatching(/\/oauth\/callback$/),
    });
  });

  it('when automation signs with user "-" then it is accepted', async () => {
    expect((await call({ userId: '-' })).status).toBe(200);
  });

  it.each([
    'X-Relay-Org',
    'X-Relay-User',
    'X-Relay-Timestamp',
    'X-Relay-Nonce',
    'X-Relay-Signature',
  ])('when header %s is missing then the request is refused', async (header) => {
    const problem = await expectProblem(
      await call({ tamper: (h) => delete h[header] }),
      401,
      'SIGNATURE_INVALID',
    );
    expect(problem.detail).toContain(header.toLowerCase());
  });

  /** Signs one request, then sends it with one part changed. */
  async function sendTampered(change: {
    method?: string;
    path?: string;
    body?: string;
    headers?: Record<string, string>;
  }) {
    const nonce = `tamper-${Math.random().toString(36).slice(2)}-nonce`;
    const headers = signedHeaders(
      secret,
      {
        method: 'POST',
        target: '/v1/connections',
        orgId: ORG_ID,
        userId: USER_ID,
        body: '{"a":1}',
        timestamp: String(Math.floor(now / 1000)),
        nonce,
      },
      () => nonce,
    );
    const method = change.method ?? 'POST';
    return fetch(`${relay.url}${change.path ?? '/v1/connections'}`, {
      method,
      headers: { ...headers, 'Content-Type': 'application/json', ...change.headers },
      body: method === 'GET' || method === 'HEAD' ? undefined : (change.body ?? '{"a":1}'),
    });
  }

  it.each([
    ['method', { method: 'PUT' }],
    ['path', { path: '/v1/connections?extra=1' }],
    ['body', { body: '{"a":2}' }],
    ['user', { headers: { 'X-Relay-User': '0055g00000ZZZZZZZZ' } }],
    ['nonce', { headers: { 'X-Relay-Nonce': 'another-nonce-123456' } }],
    ['timestamp', { headers: { 'X-Relay-Timestamp': String(Math.floor(Date.now() / 1000) - 1) } }],
    [
      'signature',
      { headers: { 'X-Relay-Signature': `v1=${Buffer.alloc(32).toString('base64')}` } },
    ],
  ] as const)(
    'when the %s is changed after signing then the request is refused',
    async (_part, change) => {
      await expectProblem(await sendTampered(change), 401, 'SIGNATURE_INVALID');
    },
  );

  it('when nothing is changed then the same signing helper is accepted past the signature check', async () => {
    // POST /v1/connections has no handler yet: reaching 404 proves the signature passed.
    await expectProblem(await sendTampered({}), 404, 'NOT_FOUND');
  });

  it('when the org header is another tenant then the request is refused', async () => {
    await relay.services.tenants
      .add({ orgId: '00D5g000004ZZZZZZZ', name: 'Other' })
      .catch(() => undefined);
    await expectProblem(
      await call({ tamper: (h) => (h['X-Relay-Org'] = '00D5g000004ZZZZZZZ') }),
      401,
      'SIGNATURE_INVALID',
    );
  });

  it.each([301, -301])(
    'when the clock is skewed by %i s then the request is refused',
    async (skew) => {
      const problem = await expectProblem(
        await call({ timestamp: String(Math.floor(now / 1000) + skew) }),
        401,
        'SIGNATURE_INVALID',
      );
      expect(problem.detail).toContain('301 s');
    },
  );

  it.each([299, -299])(
    'when the clock is skewed by %i s then the request is still accepted',
    async (skew) => {
      expect((await call({ timestamp: String(Math.floor(now / 1000) + skew) })).status).toBe(200);
    },
  );

  it('when a nonce is replayed then the second request is refused', async () => {
    const nonce = `replay-${Date.now()}-abcdef`;
    expect((await call({ nonce })).status).toBe(200);
    await expectProblem(await call({ nonce }), 401, 'REPLAYED');
  });

  it('when a request fails the signature check then its nonce is not burnt', async () => {
    const nonce = `burn-${Date.now()}-abcdefg`;
    await expectProblem(
      await call({ nonce, secret: Buffer.alloc(32, 5).toString('base64') }),
      401,
      'SIGNATURE_INVALID',
    );
    expect((await call({ nonce })).status).toBe(200);
  });

  it('when the tenant is unknown then the request is refused', async () => {
    await expectProblem(await call({ orgId: '00D5g000004UNKNOWN' }), 401, 'TENANT_UNKNOWN');
  });

  it('when the tenant is disabled then the request is refused, and accepted again once enabled', async () => {
    const orgId = '00D5g000004DISABLE';
    const own = await relay.services.tenants.add({ orgId, name: 'Off' });
    await relay.services.tenants.setStatus(orgId, 'disabled');
    await expectProblem(await call({ orgId, secret: own }), 401, 'TENANT_DISABLED');
    await relay.services.tenants.setStatus(orgId, 'active');
    expect((await call({ orgId, secret: own })).status).toBe(200);
  });

  it('when the secret rotates then old and new are both valid during the grace, then only the new', async () => {
    const orgId = '00D5g000004ROTATEA';
    const old = await relay.services.tenants.add({ orgId, name: 'Rotating' });
    const { secret: fresh } = await relay.services.tenants.rotateSecret(orgId, 60_000);
    expect((await call({ orgId, secret: old })).status).toBe(200);
    expect((await call({ orgId, secret: fresh })).status).toBe(200);
    now += 61_000;
    await expectProblem(await call({ orgId, secret: old }), 401, 'SIGNATURE_INVALID');
    expect((await call({ orgId, secret: fresh })).status).toBe(200);
  });

  it('when a signed body is not JSON then it is refused as invalid', async () => {
    await expectProblem(
      await call({ method: 'POST', body: '{not json' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('when the route does not exist then a problem says so', async () => {
    await expectProblem(await call({ path: '/v1/nothing-here' }), 404, 'NOT_FOUND');
  });
});

/**
 * Opens one connection per copy, waits until all are connected, then writes the same request
 * bytes on every one of them in the same turn: the copies reach the relay together, as a
 * replayed burst would, and answers come back as status codes.
 */
async function sendAtOnce(relay: TestRelay, request: string, copies: number): Promise<number[]> {
  const { hostname, port } = new URL(relay.url);
  let accepted = 0;
  const allAccepted = new Promise<void>((resolve) => {
    const count = () => {
      accepted += 1;
      if (accepted < copies) return;
      relay.handle.server.off('connection', count);
      resolve();
    };
    relay.handle.server.on('connection', count);
  });
  const sockets = await Promise.all(
    Array.from(
      { length: copies },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(Number(port), hostname, () => resolve(socket));
          socket.on('error', reject);
        }),
    ),
  );
  await allAccepted;
  const answers = sockets.map(
    (socket) =>
      new Promise<number>((resolve) => {
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)));
      }),
  );
  for (const socket of sockets) socket.write(request);
  // Holding the event loop until every copy is in the relay's socket buffers makes the relay
  // (in this process) read them all in one poll, as a loaded relay would.
  for (const stop = Date.now() + 200; Date.now() < stop;);
  return Promise.all(answers);
}

describe.each(ENGINES)('concurrent copies of one signed request on %s', (engine) => {
  let relay: TestRelay;
  let secret: string;

  beforeAll(async () => {
    relay = await startTestRelay({ engine });
    secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
  });
  afterAll(() => relay.stop());

  it.each([2, 25])(
    'when %i identical signed requests arrive at once over real sockets then exactly one is accepted',
    async (copies) => {
      const nonce = `concurrent-${copies}-${Date.now()}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const answers = await Promise.all(
        Array.from({ length: copies }, () =>
          signedFetch(relay.url, {
            method: 'GET',
            path: '/v1/connections',
            orgId: ORG_ID,
            userId: USER_ID,
            secret,
            nonce,
            timestamp,
          }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      const codes = await Promise.all(
        answers.map(async (answer) => ((await answer.json()) as { code?: string }).code),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 401)).toHaveLength(copies - 1);
      expect(codes.filter((code) => code === 'REPLAYED')).toHaveLength(copies - 1);
    },
  );

  it('when 25 copies are written on 25 open connections in the same instant then exactly one is accepted', async () => {
    // A first request loads the tenant's credentials, so the copies all reach the replay guard
    // in the same turn and are claimed in one batch.
    expect(
      (
        await signedFetch(relay.url, {
          method: 'GET',
          path: '/v1/connections',
          orgId: ORG_ID,
          secret,
        })
      ).status,
    ).toBe(200);
    const headers = signedHeaders(
      secret,
      { method: 'GET', target: '/v1/connections', orgId: ORG_ID, userId: USER_ID, body: '' },
      () => `burst-${Date.now()}-nonce`,
    );
    const request =
      `GET /v1/connections HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n';
    const statuses = await sendAtOnce(relay, request, 25);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(24);
  });
});

describe('request limits', () => {
  let relay: TestRelay;
  let secret: string;

  beforeAll(async () => {
    relay = await startTestRelay({
      env: { RELAY_BODY_LIMIT_BYTES: '2048', RELAY_TENANT_RATE_LIMIT_PER_MINUTE: '3' },
    });
    secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
  });
  afterAll(() => relay.stop());

  it('when the body exceeds the limit then 413 PAYLOAD_TOO_LARGE is answered', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(4096) });
    const response = await signedFetch(relay.url, {
      method: 'POST',
      path: '/v1/connections',
      body,
      orgId: ORG_ID,
      secret,
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', status: 413 });
  });

  it('when a tenant sends more than its rate then 429 RATE_LIMITED carries Retry-After', async () => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i += 1) {
      const response = await signedFetch(relay.url, {
        method: 'GET',
        path: '/v1/connections',
        orgId: ORG_ID,
        secret,
      });
      statuses.push(response.status);
      if (response.status === 429) limited = response;
      else await response.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(limited?.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    const problem = (await limited?.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({
      code: 'RATE_LIMITED',
      status: 429,
      retryAfter: Number(limited?.headers.get('retry-after')),
    });
  });
});

describe('request ids', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay();
  });
  afterAll(() => relay.stop());

  it('when a sane X-Request-Id comes in then it is echoed', async () => {
    const response = await fetch(`${relay.url}/healthz`, {
      headers: { 'X-Request-Id': 'sf-req-12345678' },
    });
    expect(response.headers.get('x-request-id')).toBe('sf-req-12345678');
  });

  it('when a signed /v1 request brings its own X-Request-Id then the relay still uses a fresh one (it becomes the audit id)', async () => {
    const response = await fetch(`${relay.url}/v1/connections`, {
      headers: { 'X-Request-Id': 'sf-req-12345678' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await response.json()) as { requestId: string }).requestId).toBe(
      response.headers.get('x-request-id'),
    );
  });

  it('when an unsafe X-Request-Id comes in then a fresh one replaces it', async () => {
    const response = await fetch(`${relay.url}/healthz`, {
      headers: { 'X-Request-Id': 'bad id with spaces and "quotes"' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
