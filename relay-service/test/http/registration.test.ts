import {
  REGISTRATION_FAILURE_LIMIT,
  REGISTRATION_FAILURE_WINDOW_MS,
  registrationSource,
} from '../../src/tenants/registration-limiter';
import { ORG_ID, signedFetch, startTestRelay, type TestRelay } from '../support/relay';

const registerAt = (
  relay: TestRelay,
  code: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  fetch(`${relay.url}/v1/tenants/register`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(code ? { 'X-Relay-Registration': code } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });

describe('self-registration', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay();
  });
  afterAll(() => relay.stop());

  const register = (code: string | undefined, body: unknown) => registerAt(relay, code, body);
  const codeFor = async (orgId: string) =>
    (await relay.services.tenants.createRegistrationCode({ orgId, ttlMs: 60_000 })).code;

  it('when a valid code is presented then the tenant is created once and its secret signs requests', async () => {
    const code = await codeFor(ORG_ID);
    const response = await register(code, { orgId: ORG_ID, name: 'Acme', namespace: 'pjx' });
    expect(response.status).toBe(201);
    const { orgId, secret } = (await response.json()) as { orgId: string; secret: string };
    expect(orgId).toBe(ORG_ID);
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);
    expect(await relay.services.tenants.namespace(ORG_ID)).toBe('pjx');
    expect(
      (await signedFetch(relay.url, { method: 'GET', path: '/v1/connections', orgId, secret }))
        .status,
    ).toBe(200);

    const again = await register(code, { orgId: '00D5g000004OTHERAA', name: 'Other' });
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ code: 'REGISTRATION_INVALID' });
    expect((await relay.services.tenants.list()).map((t) => t.orgId)).toEqual([ORG_ID]);
  });

  it('when the code header is missing or wrong then nothing is created', async () => {
    expect((await register(undefined, { orgId: '00D5g000004NEWORGA', name: 'New' })).status).toBe(
      401,
    );
    expect((await register('prc_wrong', { orgId: '00D5g000004NEWORGA', name: 'New' })).status).toBe(
      401,
    );
    expect((await relay.services.tenants.list()).map((t) => t.orgId)).not.toContain(
      '00D5g000004NEWORGA',
    );
  });

  it('when the body is invalid then fields are named and the code is not consumed', async () => {
    const code = await codeFor('00D5g000004NEWORGB');
    const response = await register(code, { orgId: 'short', name: '', extra: 1 });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; fieldErrors: { field: string }[] };
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.fieldErrors.map((e) => e.field).sort()).toEqual(['(root)', 'name', 'orgId']);
    expect((await register(code, { orgId: '00D5g000004NEWORGB', name: 'B' })).status).toBe(201);
    expect(await relay.services.tenants.namespace('00D5g000004NEWORGB')).toBe('');
  });

  it.each(['9pjx', 'pj_x', 'p'.repeat(16), 42])(
    'when the namespace is %j then VALIDATION_FAILED names it and the code is not consumed',
    async (namespace) => {
      const orgId = '00D5g000004NSORGAA';
      const code = await codeFor(orgId);
      const response = await register(code, { orgId, name: 'Ns', namespace });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        fieldErrors: [expect.objectContaining({ field: 'namespace' })],
      });
      expect((await relay.services.tenants.list()).map((t) => t.orgId)).not.toContain(orgId);
      // The code was made for this test only; it must still be unused.
      const row = await relay.services.store.db
        .selectFrom('registration_codes')
        .select('used_at')
        .where('org_id', '=', orgId)
        .where('used_at', 'is not', null)
        .executeTakeFirst();
      expect(row).toBeUndefined();
    },
  );

  it('when a code is presented with another org id then it is refused like an unknown code and stays usable for its org', async () => {
    const code = await codeFor('00D5g000004BOUNDAA');
    const other = await register(code, { orgId: '00D5g000004INTRUDA', name: 'Intruder' });
    expect(other.status).toBe(401);
    const problem = (await other.json()) as { code: string; detail: string };
    expect(problem.code).toBe('REGISTRATION_INVALID');
    const unknown = (await (
      await register('prc_never-issued', { orgId: '00D5g000004INTRUDA', name: 'x' })
    ).json()) as { detail: string };
    expect(problem.detail).toBe(unknown.detail);
    expect((await relay.services.tenants.list()).map((t) => t.orgId)).not.toContain(
      '00D5g000004INTRUDA',
    );
    expect((await register(code, { orgId: '00D5g000004BOUNDAA', name: 'Bound' })).status).toBe(201);
  });
});

describe('self-registration attempts per source address', () => {
  let relay: TestRelay;
  let now = Date.now();

  beforeAll(async () => {
    relay = await startTestRelay({ clock: { now: () => now } });
  });
  afterAll(() => relay.stop());

  // A client cannot pose as many sources: forwarding headers are not trusted.
  const failOnce = (attempt = 0) =>
    registerAt(
      relay,
      'prc_guessed-code',
      { orgId: ORG_ID, name: 'Guess' },
      { 'X-Forwarded-For': `198.51.100.${attempt}`, 'X-Real-IP': `198.51.100.${attempt}` },
    );

  it('when a source keeps presenting bad codes then it is answered 429 RATE_LIMITED with Retry-After, a good code included', async () => {
    for (let attempt = 0; attempt < REGISTRATION_FAILURE_LIMIT; attempt += 1) {
      expect((await failOnce(attempt)).status).toBe(401);
      now += 1_000;
    }
    const limited = await failOnce(REGISTRATION_FAILURE_LIMIT);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    const windowS = REGISTRATION_FAILURE_WINDOW_MS / 1000;
    expect(retryAfter).toBeGreaterThan(windowS - REGISTRATION_FAILURE_LIMIT - 1);
    expect(retryAfter).toBeLessThanOrEqual(windowS);
    expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED', retryAfter });

    const { code } = await relay.services.tenants.createRegistrationCode({
      orgId: ORG_ID,
      ttlMs: 3 * REGISTRATION_FAILURE_WINDOW_MS,
    });
    expect((await registerAt(relay, code, { orgId: ORG_ID, name: 'Acme' })).status).toBe(429);
    expect(await relay.services.tenants.list()).toEqual([]);

    now += retryAfter * 1000;
    expect((await registerAt(relay, code, { orgId: ORG_ID, name: 'Acme' })).status).toBe(201);
  });

  it('when addresses are counted then IPv4 counts alone and IPv6 by its /64', () => {
    expect(registrationSource('203.0.113.7')).toBe('203.0.113.7');
    expect(registrationSource('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(registrationSource('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(registrationSource('2001:0db8:0001:0002:ffff:0:0:9')).toBe('2001:db8:1:2::/64');
    expect(registrationSource('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(registrationSource('::1')).toBe('0:0:0:0::/64');
    expect(registrationSource('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(registrationSource(undefined)).toBe('unknown');
  });
});
