import { ORG_ID, signedFetch, startTestRelay, type TestRelay } from '../support/relay';

describe('self-registration', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay();
  });
  afterAll(() => relay.stop());

  const register = (code: string | undefined, body: unknown) =>
    fetch(`${relay.url}/v1/tenants/register`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(code ? { 'X-Relay-Registration': code } : {}),
      },
      body: JSON.stringify(body),
    });

  it('when a valid code is presented then the tenant is created once and its secret signs requests', async () => {
    const { code } = await relay.services.tenants.createRegistrationCode(60_000);
    const response = await register(code, { orgId: ORG_ID, name: 'Acme' });
    expect(response.status).toBe(201);
    const { orgId, secret } = (await response.json()) as { orgId: string; secret: string };
    expect(orgId).toBe(ORG_ID);
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);
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
    const { code } = await relay.services.tenants.createRegistrationCode(60_000);
    const response = await register(code, { orgId: 'short', name: '', extra: 1 });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { code: string; fieldErrors: { field: string }[] };
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.fieldErrors.map((e) => e.field).sort()).toEqual(['(root)', 'name', 'orgId']);
    expect((await register(code, { orgId: '00D5g000004NEWORGB', name: 'B' })).status).toBe(201);
  });
});
