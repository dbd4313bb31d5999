import { gzipSync } from 'node:zlib';
import express, { type RequestHandler } from 'express';
import pino from 'pino';
import '../../src/http/request-context';
import { notFound, problemHandler } from '../../src/http/middleware/problem-handler';
import { requestId } from '../../src/http/middleware/request-id';
import { signedRequest, type SignedRequestDeps } from '../../src/http/middleware/signed-request';
import { openStore, type Store } from '../../src/store/store';
import { RateLimiter } from '../../src/tenants/rate-limiter';
import { ReplayGuard } from '../../src/tenants/replay-guard';
import { signedHeaders } from '../../src/tenants/signing';
import { TenantService } from '../../src/tenants/tenant-service';
import { Envelope } from '../../src/vault/envelope';
import { Vault } from '../../src/vault/vault';
import { serveOnLoopback, type LoopbackServer } from '../support/loopback-server';
import { freshStoreLocation } from '../support/stores';

/**
 * The signed-request middleware on its own (relay-contract.md, "Request signing"): mounted on
 * `/v1` of a minimal Express app listening on 127.0.0.1, called with a real HTTP client, with
 * the real replay guard and tenant service on an SQLite store file and the relay's clock
 * injected. Behind it, a route answers what the middleware handed on (the caller, the body).
 * signed-requests.test.ts covers the same boundary through whole relays.
 */

/** The contract's test vector. */
const VECTOR = {
  secret: 'AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=',
  timestamp: '1795000000',
  nonce: 'n0nce-7f3a9c2e41b8',
  org: '00D5g000004ABCDEAY',
  user: '0055g00000AbCdEFGH',
  postTarget: '/v1/issues/SUP-42/comments',
  postBody: '{"connection":"default","body":"Customer reports checkout fails — see case 00001026"}',
  postSignature: 'v1=dNpxfjHaa+uJRcTn++HmsGrpaG0HGgjxUp7/18eSUyw=',
  getTarget: '/v1/issues/SUP-42?connection=default',
  getSignature: 'v1=dXgL8SGM0be+2G11Y2xlZdPtNaVThiu4i8SNK4xax+M=',
};

const NOW_S = Number(VECTOR.timestamp);
const ORG = VECTOR.org;
const USER = VECTOR.user;
const OTHER_ORG = '00D5g000004OTHERAA';
const BODY_LIMIT = 1024;
const TARGET = '/v1/things?connection=default';

const MISMATCH =
  'The request signature does not match. Check the tenant secret and the canonical string.';
const REPLAYED = 'This nonce was already used. Every request needs a fresh nonce.';
const skewDetail = (seconds: number) =>
  `The request timestamp is ${seconds} s away from the relay's clock (at most 300 s allowed). Check the org's clock and sign each request when it is sent.`;

interface Call {
  method?: string;
  target?: string;
  body?: string | Buffer;
  orgId?: string;
  userId?: string;
  timestamp?: string;
  nonce?: string;
  secret?: string;
  /** What is sent instead of what was signed. */
  sent?: { method?: string; target?: string; body?: string | Buffer };
  /** Headers set (or replaced) after signing. */
  headers?: Record<string, string>;
  /** Headers left out after signing. */
  without?: string[];
}

/** What the route behind the middleware saw. */
interface Reached {
  caller: { orgId: string; userId: string } | null;
  bodyKind: 'none' | 'raw' | 'parsed';
  body?: unknown;
  method: string;
  target: string;
}

/** The route behind the middleware: answers what reached it. */
const echo: RequestHandler = (req, res) => {
  const reached: Reached = {
    caller: req.caller ?? null,
    bodyKind: req.body === undefined ? 'none' : Buffer.isBuffer(req.body) ? 'raw' : 'parsed',
    body: req.body as unknown,
    method: req.method,
    target: req.originalUrl,
  };
  res.json(reached);
};

describe('the signed-request middleware', () => {
  let store: Store;
  let now: number;
  const clock = { now: () => now };
  let vault: Vault;
  let tenants: TenantService;
  let guard: ReplayGuard;
  let secret: string;
  let url: string;
  let servers: LoopbackServer[];
  let nonces: number;

  const freshNonce = () => `nonce-${String((nonces += 1)).padStart(12, '0')}`;

  beforeEach(async () => {
    now = NOW_S * 1000;
    nonces = 0;
    servers = [];
    store = openStore(await freshStoreLocation('sqlite'));
    await store.migrate();
    vault = new Vault(store, new Envelope([{ kid: 'k1', key: Buffer.alloc(32, 7) }]), clock);
    tenants = new TenantService(store, vault, clock);
    guard = new ReplayGuard(store, clock);
    secret = await tenants.add({ orgId: ORG, name: 'Acme' });
    url = await listen();
  });

  afterEach(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await store.close();
  });

  /** The middleware on /v1 of a minimal app, as app.ts mounts it; answers what reached the route. */
  async function listen(overrides: Partial<SignedRequestDeps> = {}): Promise<string> {
    const app = express();
    app.use(requestId());
    app.use(
      '/v1',
      signedRequest({
        credentials: (orgId) => tenants.credentials(orgId),
        replayGuard: guard,
        rateLimiter: new RateLimiter(10_000, () => now),
        clock,
        bodyLimitBytes: BODY_LIMIT,
        ...overrides,
      }),
      echo,
    );
    app.use(notFound());
    app.use(problemHandler(pino({ level: 'silent' }), BODY_LIMIT));
    const server = await serveOnLoopback(app);
    servers.push(server);
    return server.url;
  }

  /** The headers of a request signed as the contract says (the current time, a fresh nonce). */
  function sign(call: Call = {}): Record<string, string> {
    return signedHeaders(
      call.secret ?? secret,
      {
        method: call.method ?? 'GET',
        target: call.target ?? TARGET,
        orgId: call.orgId ?? ORG,
        userId: call.userId ?? USER,
        body: call.body ?? '',
        timestamp: call.timestamp ?? String(Math.floor(now / 1000)),
        nonce: call.nonce,
      },
      freshNonce,
    );
  }

  /** Signs a request, then sends it, with whatever the call changes after signing. */
  function send(call: Call = {}, base = url): Promise<Response> {
    return sendSigned(sign(call), call, base);
  }

  function sendSigned(signed: Record<string, string>, call: Call = {}, base = url) {
    const method = call.sent?.method ?? call.method ?? 'GET';
    const target = call.sent?.target ?? call.target ?? TARGET;
    const body = call.sent?.body ?? call.body ?? '';
    const headers: Record<string, string> = {
      ...(body.length ? { 'Content-Type': 'application/json' } : {}),
      ...signed,
      ...call.headers,
    };
    for (const name of call.without ?? []) delete headers[name];
    return fetch(`${base}${target}`, {
      method,
      headers,
      body: body.length ? body : undefined,
    });
  }

  async function expectReached(response: Response): Promise<Reached> {
    const answer = (await response.json()) as Reached & { code?: string; detail?: string };
    expect({ status: response.status, code: answer.code, detail: answer.detail }).toEqual({
      status: 200,
    });
    return answer;
  }

  async function expectProblem(
    response: Response,
    status: number,
    code: string,
    detail: string,
  ): Promise<Record<string, unknown>> {
    const problem = (await response.json()) as Record<string, unknown>;
    expect({ status: response.status, code: problem.code, detail: problem.detail }).toEqual({
      status,
      code,
      detail,
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(problem).toMatchObject({ status, type: expect.stringContaining('urn:pharos-jira:') });
    expect(problem.requestId).toBe(response.headers.get('x-request-id'));
    return problem;
  }

  describe('accepted requests', () => {
    it('when a GET is signed as the contract says then the route gets the caller and no body', async () => {
      expect(await expectReached(await send())).toEqual({
        caller: { orgId: ORG, userId: USER },
        bodyKind: 'none',
        method: 'GET',
        target: TARGET,
      });
    });

    it('when a POST with a JSON body is signed then the route gets the parsed body', async () => {
      const reached = await expectReached(
        await send({ method: 'POST', body: '{"a":1,"text":"checkout — fails"}' }),
      );
      expect(reached).toMatchObject({
        caller: { orgId: ORG, userId: USER },
        bodyKind: 'parsed',
        body: { a: 1, text: 'checkout — fails' },
        method: 'POST',
      });
    });

    it('when a POST without a body and without a content type is signed then the route gets no body', async () => {
      const reached = await expectReached(await send({ method: 'POST' }));
      expect(reached).toMatchObject({ bodyKind: 'none', method: 'POST' });
    });

    it('when automation signs with user "-" then the caller has user "-"', async () => {
      const reached = await expectReached(await send({ userId: '-' }));
      expect(reached.caller).toEqual({ orgId: ORG, userId: '-' });
    });

    it('when the target has percent-encoded bytes then they are verified exactly as sent', async () => {
      const target = '/v1/things/a%2Fb%20c?q=%7E%20x&r=%C3%A9';
      expect((await expectReached(await send({ target }))).target).toBe(target);
    });

    it('when the request signed by the contract test vector (GET) arrives then it is accepted', async () => {
      await vault.put(`tenant/${ORG}/signing/current`, VECTOR.secret);
      const reached = await expectReached(
        await fetch(`${url}${VECTOR.getTarget}`, {
          headers: {
            'X-Relay-Org': VECTOR.org,
            'X-Relay-User': VECTOR.user,
            'X-Relay-Timestamp': VECTOR.timestamp,
            'X-Relay-Nonce': VECTOR.nonce,
            'X-Relay-Signature': VECTOR.getSignature,
          },
        }),
      );
      expect(reached).toMatchObject({ caller: { orgId: ORG, userId: USER }, bodyKind: 'none' });
    });

    it('when the request signed by the contract test vector (POST) arrives then it is accepted with its body', async () => {
      await vault.put(`tenant/${ORG}/signing/current`, VECTOR.secret);
      const reached = await expectReached(
        await fetch(`${url}${VECTOR.postTarget}`, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'X-Relay-Org': VECTOR.org,
            'X-Relay-User': VECTOR.user,
            'X-Relay-Timestamp': VECTOR.timestamp,
            'X-Relay-Nonce': VECTOR.nonce,
            'X-Relay-Signature': VECTOR.postSignature,
          },
          body: VECTOR.postBody,
        }),
      );
      expect(reached.body).toEqual(JSON.parse(VECTOR.postBody));
    });

    it('when the nonce uses every allowed kind of character, 16 or 64 of them, then it is accepted', async () => {
      for (const nonce of ['Az09_-Az09_-Az09', 'aZ9-_'.repeat(12) + 'abcd']) {
        expect(nonce.length === 16 || nonce.length === 64).toBe(true);
        await expectReached(await send({ nonce }));
      }
    });

    it.each([
      ['1 digit', 5],
      ['12 digits', 999_999_999_999],
    ])(
      'when the timestamp has %s and matches the clock then it is accepted',
      async (_what, seconds) => {
        now = seconds * 1000;
        await expectReached(await send({ timestamp: String(seconds) }));
      },
    );
  });

  describe('headers missing or malformed', () => {
    it.each([
      'X-Relay-Org',
      'X-Relay-User',
      'X-Relay-Timestamp',
      'X-Relay-Nonce',
      'X-Relay-Signature',
    ])('when header %s is missing or empty then SIGNATURE_INVALID names it', async (header) => {
      const detail = `Header ${header.toLowerCase()} is missing.`;
      await expectProblem(await send({ without: [header] }), 401, 'SIGNATURE_INVALID', detail);
      await expectProblem(
        await send({ headers: { [header]: '' } }),
        401,
        'SIGNATURE_INVALID',
        detail,
      );
    });

    const ORG_DETAIL = 'Header x-relay-org is not an 18-character org id.';
    const USER_DETAIL = 'Header x-relay-user is not an 18-character user id or "-".';
    const TIMESTAMP_DETAIL = 'Header x-relay-timestamp is not Unix time in seconds.';
    const NONCE_DETAIL = 'Header x-relay-nonce must be 16–64 characters of A-Z a-z 0-9 _ -.';
    const SIGNATURE_DETAIL = 'Header x-relay-signature must start with v1=.';

    // Each request is signed over the malformed value, so only the format check can refuse it.
    it.each<[string, Call, string]>([
      ['an org id with another key prefix', { orgId: '00X5g000004ABCDEAY' }, ORG_DETAIL],
      ['an org id of 17 characters', { orgId: '00D5g000004ABCDEA' }, ORG_DETAIL],
      ['a user id with another key prefix', { userId: '0065g00000AbCdEFGH' }, USER_DETAIL],
      ['a user "--"', { userId: '--' }, USER_DETAIL],
      ['a timestamp with a letter before it', { timestamp: `x${NOW_S}` }, TIMESTAMP_DETAIL],
      ['a timestamp with a letter after it', { timestamp: `${NOW_S}x` }, TIMESTAMP_DETAIL],
      ['a timestamp with a fraction', { timestamp: `${NOW_S}.5` }, TIMESTAMP_DETAIL],
      ['a timestamp with a sign', { timestamp: `+${NOW_S}` }, TIMESTAMP_DETAIL],
      ['a nonce of 15 characters', { nonce: 'abcdefghij12345' }, NONCE_DETAIL],
      ['a nonce of 65 characters', { nonce: 'a'.repeat(65) }, NONCE_DETAIL],
      ['a nonce with a dot before it', { nonce: '.abcdefghij123456' }, NONCE_DETAIL],
      ['a nonce with a dot after it', { nonce: 'abcdefghij123456.' }, NONCE_DETAIL],
      ['a nonce of dots only', { nonce: '.'.repeat(20) }, NONCE_DETAIL],
    ])(
      'when the request has %s then SIGNATURE_INVALID says what is wrong',
      async (_what, call, detail) => {
        await expectProblem(await send(call), 401, 'SIGNATURE_INVALID', detail);
      },
    );

    it('when the timestamp has 13 digits then it is refused as not Unix time, even when the clock is there', async () => {
      now = 1_000_000_000_000 * 1000;
      await expectProblem(
        await send({ timestamp: '1000000000000' }),
        401,
        'SIGNATURE_INVALID',
        TIMESTAMP_DETAIL,
      );
    });

    it.each([
      ['no prefix', (signature: string) => signature.slice(3)],
      ['an upper-case prefix', (signature: string) => `V1=${signature.slice(3)}`],
      ['the prefix at its end', (signature: string) => `${signature.slice(3)}v1=`],
    ])('when the signature has %s then SIGNATURE_INVALID asks for v1=', async (_what, change) => {
      const signed = sign();
      const signature = change(signed['X-Relay-Signature'] ?? '');
      await expectProblem(
        await sendSigned({ ...signed, 'X-Relay-Signature': signature }),
        401,
        'SIGNATURE_INVALID',
        SIGNATURE_DETAIL,
      );
    });
  });

  describe('the timestamp window', () => {
    it.each([300, -300])(
      'when the timestamp is %i s off the clock (the bound) then it is accepted',
      async (skew) => {
        await expectReached(await send({ timestamp: String(NOW_S + skew) }));
      },
    );

    it.each([301, -301])(
      'when the timestamp is %i s off the clock then SIGNATURE_INVALID says how far',
      async (skew) => {
        await expectProblem(
          await send({ timestamp: String(NOW_S + skew) }),
          401,
          'SIGNATURE_INVALID',
          skewDetail(301),
        );
      },
    );

    it("when the clock is 999 ms into a second then the relay's time is that whole second", async () => {
      now = NOW_S * 1000 + 999;
      await expectReached(await send({ timestamp: String(NOW_S - 300) }));
      await expectReached(await send({ timestamp: String(NOW_S + 300) }));
      await expectProblem(
        await send({ timestamp: String(NOW_S - 301) }),
        401,
        'SIGNATURE_INVALID',
        skewDetail(301),
      );
    });

    it('when the timestamp is out of the window and the org unknown then the window is checked first', async () => {
      await expectProblem(
        await send({ orgId: '00D5g000004UNKNOWN', timestamp: String(NOW_S - 1000) }),
        401,
        'SIGNATURE_INVALID',
        skewDetail(1000),
      );
    });
  });

  describe('the signature', () => {
    it('when the request is signed with another secret then SIGNATURE_INVALID says it does not match', async () => {
      await expectProblem(
        await send({ secret: Buffer.alloc(32, 5).toString('base64') }),
        401,
        'SIGNATURE_INVALID',
        MISMATCH,
      );
    });

    it('when the signature is shorter than a real one then it does not match (and nothing fails)', async () => {
      await expectProblem(
        await send({ headers: { 'X-Relay-Signature': 'v1=abc' } }),
        401,
        'SIGNATURE_INVALID',
        MISMATCH,
      );
    });

    it.each<[string, Call]>([
      [
        'the method is changed after signing',
        { method: 'POST', body: '{"a":1}', sent: { method: 'PUT' } },
      ],
      ['the path is changed after signing', { sent: { target: '/v1/thing?connection=default' } }],
      ['the query is changed after signing', { sent: { target: '/v1/things?connection=other' } }],
      ['the query is left out after signing', { sent: { target: '/v1/things' } }],
      [
        'the path was signed without its /v1',
        { target: '/things?connection=default', sent: { target: TARGET } },
      ],
      [
        'the body is changed after signing',
        { method: 'POST', body: '{"a":1}', sent: { body: '{"a":2}' } },
      ],
      [
        'the body is left out after signing',
        { method: 'POST', body: '{"a":1}', sent: { body: '' } },
      ],
      ['the user is changed after signing', { headers: { 'X-Relay-User': '0055g00000ZZZZZZZZ' } }],
      [
        'the nonce is changed after signing',
        { headers: { 'X-Relay-Nonce': 'another-nonce-123456' } },
      ],
      [
        'the timestamp is changed after signing',
        { headers: { 'X-Relay-Timestamp': String(NOW_S - 1) } },
      ],
    ])('when %s then SIGNATURE_INVALID', async (_part, call) => {
      await expectProblem(await send(call), 401, 'SIGNATURE_INVALID', MISMATCH);
    });

    it("when the org is changed to another tenant's after signing then SIGNATURE_INVALID", async () => {
      await tenants.add({ orgId: OTHER_ORG, name: 'Other' });
      await expectProblem(
        await send({ headers: { 'X-Relay-Org': OTHER_ORG } }),
        401,
        'SIGNATURE_INVALID',
        MISMATCH,
      );
    });

    it('when the secret rotates then old and new both verify during the grace, then only the new', async () => {
      const old = secret;
      const { secret: fresh } = await tenants.rotateSecret(ORG, 60_000);
      await expectReached(await send({ secret: old }));
      await expectReached(await send({ secret: fresh }));
      now += 60_001;
      await expectProblem(await send({ secret: old }), 401, 'SIGNATURE_INVALID', MISMATCH);
      await expectReached(await send({ secret: fresh }));
    });
  });

  describe('the tenant', () => {
    it('when the org is not a tenant then TENANT_UNKNOWN names it', async () => {
      await expectProblem(
        await send({ orgId: '00D5g000004UNKNOWN' }),
        401,
        'TENANT_UNKNOWN',
        'Org 00D5g000004UNKNOWN is not registered with this relay.',
      );
    });

    it('when the tenant is disabled then only a correctly signed request learns it, and its nonce stays usable', async () => {
      await tenants.setStatus(ORG, 'disabled');
      const nonce = 'disabled-nonce-0001';
      await expectProblem(
        await send({ nonce, secret: Buffer.alloc(32, 5).toString('base64') }),
        401,
        'SIGNATURE_INVALID',
        MISMATCH,
      );
      await expectProblem(
        await send({ nonce }),
        401,
        'TENANT_DISABLED',
        `Org ${ORG} is disabled on this relay.`,
      );
      await tenants.setStatus(ORG, 'active');
      await expectReached(await send({ nonce }));
    });
  });

  describe('the rate limit', () => {
    it('when a tenant exceeds its rate then RATE_LIMITED says when to retry, and the refused nonce stays usable', async () => {
      const limited = await listen({ rateLimiter: new RateLimiter(2, () => now) });
      await expectReached(await send({}, limited));
      await expectReached(await send({}, limited));
      const signed = sign();
      const response = await sendSigned(signed, {}, limited);
      expect(response.headers.get('retry-after')).toBe('30');
      const problem = await expectProblem(
        response,
        429,
        'RATE_LIMITED',
        `Too many requests for org ${ORG}; retry in 30 s.`,
      );
      expect(problem.retryAfter).toBe(30);
      // Another tenant has its own rate.
      const otherSecret = await tenants.add({ orgId: OTHER_ORG, name: 'Other' });
      await expectReached(await send({ orgId: OTHER_ORG, secret: otherSecret }, limited));
      now += 30_000;
      await expectReached(await sendSigned(signed, {}, limited));
    });

    it('when a replayed request is over the rate then the rate is checked first', async () => {
      const limited = await listen({ rateLimiter: new RateLimiter(1, () => now) });
      const signed = sign();
      await expectReached(await sendSigned(signed, {}, limited));
      const problem = await expectProblem(
        await sendSigned(signed, {}, limited),
        429,
        'RATE_LIMITED',
        `Too many requests for org ${ORG}; retry in 60 s.`,
      );
      expect(problem.retryAfter).toBe(60);
    });
  });

  describe('replays', () => {
    it('when a request is sent again then REPLAYED, even at the end of its window', async () => {
      const signed = sign();
      await expectReached(await sendSigned(signed));
      await expectProblem(await sendSigned(signed), 401, 'REPLAYED', REPLAYED);
      now += 300_000;
      await expectProblem(await sendSigned(signed), 401, 'REPLAYED', REPLAYED);
    });

    it('when another tenant uses the same nonce then it is its own', async () => {
      const otherSecret = await tenants.add({ orgId: OTHER_ORG, name: 'Other' });
      const nonce = 'shared-nonce-000001';
      await expectReached(await send({ nonce }));
      await expectReached(await send({ nonce, orgId: OTHER_ORG, secret: otherSecret }));
      await expectProblem(
        await send({ nonce, orgId: OTHER_ORG, secret: otherSecret }),
        401,
        'REPLAYED',
        REPLAYED,
      );
    });

    it('when a request is refused for its signature or an unknown org then its nonce is not used up', async () => {
      const nonce = 'refused-nonce-00001';
      await expectProblem(
        await send({ nonce, secret: Buffer.alloc(32, 5).toString('base64') }),
        401,
        'SIGNATURE_INVALID',
        MISMATCH,
      );
      await expectProblem(
        await send({ nonce, orgId: OTHER_ORG }),
        401,
        'TENANT_UNKNOWN',
        `Org ${OTHER_ORG} is not registered with this relay.`,
      );
      await expectReached(await send({ nonce }));
    });

    it('when 25 identical signed requests are sent at once then exactly one is accepted', async () => {
      const signed = sign();
      const responses = await Promise.all(Array.from({ length: 25 }, () => sendSigned(signed)));
      const answers = await Promise.all(
        responses.map(
          async (r) => `${r.status} ${((await r.json()) as { code?: string }).code ?? ''}`,
        ),
      );
      expect(answers.filter((a) => a === '200 ')).toHaveLength(1);
      expect(answers.filter((a) => a === '401 REPLAYED')).toHaveLength(24);
    });

    it('when copies of three requests reach the replay guard in one turn then one INSERT claims them and each request is accepted once', async () => {
      // Every copy waits at the tenant lookup until all have arrived, then all go on in the same
      // event-loop turn: the guard writes their claims as one group-committed batch.
      const copies = 4;
      const requests = [sign(), sign(), sign()];
      const total = requests.length * copies;
      let arrived = 0;
      let release = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      const gated = await listen({
        credentials: async (orgId) => {
          arrived += 1;
          if (arrived === total) release();
          await gate;
          return tenants.credentials(orgId);
        },
      });
      await tenants.credentials(ORG); // cached, so no store read stands between the copies
      const inserts = jest.spyOn(store.db, 'insertInto');
      const responses = await Promise.all(
        requests.flatMap((signed) =>
          Array.from({ length: copies }, () => sendSigned(signed, {}, gated)),
        ),
      );
      expect(inserts.mock.calls.map(([table]) => table)).toEqual(['replay_nonces']);
      const byNonce = new Map<string, number[]>();
      responses.forEach((response, i) => {
        const nonce = requests[Math.floor(i / copies)]?.['X-Relay-Nonce'] ?? '';
        byNonce.set(nonce, [...(byNonce.get(nonce) ?? []), response.status]);
      });
      expect([...byNonce.values()].map((statuses) => statuses.sort())).toEqual([
        [200, 401, 401, 401],
        [200, 401, 401, 401],
        [200, 401, 401, 401],
      ]);
      const codes = await Promise.all(
        responses
          .filter((r) => r.status === 401)
          .map(async (r) => ((await r.json()) as { code: string }).code),
      );
      expect(codes).toEqual(Array.from({ length: total - 3 }, () => 'REPLAYED'));
    });
  });

  describe('the body', () => {
    it('when a signed body is not application/json then UNSUPPORTED_MEDIA_TYPE', async () => {
      await expectProblem(
        await send({ method: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'text/plain' } }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        'Request bodies must be application/json.',
      );
    });

    it('when a signed body is not JSON then VALIDATION_FAILED', async () => {
      await expectProblem(
        await send({ method: 'POST', body: '{not json' }),
        400,
        'VALIDATION_FAILED',
        'The request body is not valid JSON.',
      );
    });

    it('when the body is larger than the limit then PAYLOAD_TOO_LARGE', async () => {
      const body = JSON.stringify({ text: 'x'.repeat(BODY_LIMIT) });
      await expectProblem(
        await send({ method: 'POST', body }),
        413,
        'PAYLOAD_TOO_LARGE',
        `The request body exceeds ${BODY_LIMIT} bytes.`,
      );
    });

    it.each([
      ['the compressed bytes', true],
      ['the inflated text', false],
    ])(
      'when a gzip body is signed over %s then it is never inflated: UNSUPPORTED_MEDIA_TYPE',
      async (_what, overCompressed) => {
        const plain = '{"a":1}';
        const gzipped = gzipSync(plain);
        await expectProblem(
          await send({
            method: 'POST',
            body: overCompressed ? gzipped : plain,
            sent: { body: gzipped },
            headers: { 'Content-Encoding': 'gzip' },
          }),
          415,
          'UNSUPPORTED_MEDIA_TYPE',
          'The request body must be UTF-8 JSON.',
        );
      },
    );
  });
});
