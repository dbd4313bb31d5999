import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/store';
import { ReplayGuard } from '../../src/tenants/replay-guard';
import { TenantService, hashRegistrationCode } from '../../src/tenants/tenant-service';
import { Envelope } from '../../src/vault/envelope';
import { Vault } from '../../src/vault/vault';
import { AppError } from '../../src/lib/errors';
import { ENGINES, freshStoreLocation } from '../support/stores';

const key = { kid: 'k1', key: Buffer.alloc(32, 9) };

describe.each(ENGINES)('store on %s', (engine) => {
  let store: Store;
  let now: number;
  const clock = { now: () => now };
  let tenants: TenantService;
  let vault: Vault;

  beforeEach(async () => {
    now = 1_800_000_000_000;
    store = openStore(await freshStoreLocation(engine));
    await store.migrate();
    vault = new Vault(store, new Envelope([key]), clock);
    tenants = new TenantService(store, vault, clock);
  });
  afterEach(() => store.close());

  it('when migrations run twice then the second run changes nothing', async () => {
    await store.migrate();
    await expect(store.ping()).resolves.toBeUndefined();
    const count = await store.db
      .selectFrom('tenants')
      .select(sql<number>`count(*)`.as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('when a tenant is added then it is listed and its secret verifies', async () => {
    const secret = await tenants.add({ orgId: '00D000000000001AAA', name: 'Acme' });
    expect(Buffer.from(secret, 'base64')).toHaveLength(32);
    expect(await tenants.list()).toEqual([
      expect.objectContaining({ orgId: '00D000000000001AAA', name: 'Acme', status: 'active' }),
    ]);
    expect(await tenants.credentials('00D000000000001AAA')).toEqual({
      orgId: '00D000000000001AAA',
      status: 'active',
      secrets: [secret],
    });
  });

  it('when a tenant is added twice then the second is refused and nothing changes', async () => {
    const secret = await tenants.add({ orgId: '00D000000000001AAA', name: 'Acme' });
    await expect(tenants.add({ orgId: '00D000000000001AAA', name: 'Other' })).rejects.toMatchObject(
      { code: 'TENANT_EXISTS' },
    );
    expect((await tenants.credentials('00D000000000001AAA'))?.secrets).toEqual([secret]);
  });

  it('when the secret rotates then both are valid until the grace ends', async () => {
    const first = await tenants.add({ orgId: '00D000000000001AAA', name: 'Acme' });
    const { secret: second } = await tenants.rotateSecret('00D000000000001AAA', 60_000);
    expect((await tenants.credentials('00D000000000001AAA'))?.secrets).toEqual([second, first]);
    now += 60_001;
    expect((await tenants.credentials('00D000000000001AAA'))?.secrets).toEqual([second]);
  });

  it('when a nonce is claimed twice then the second claim fails, and expired nonces are purged', async () => {
    const guard = new ReplayGuard(store, clock);
    expect(await guard.claim('00D000000000001AAA', 'nonce-0000000000001')).toBe(true);
    expect(await guard.claim('00D000000000001AAA', 'nonce-0000000000001')).toBe(false);
    expect(await guard.claim('00D000000000002AAA', 'nonce-0000000000001')).toBe(true);
    now += 601_000;
    expect(await guard.purgeExpired()).toBe(2);
    expect(await guard.claim('00D000000000001AAA', 'nonce-0000000000001')).toBe(true);
  });

  it('when many claims arrive at once then each nonce is claimed exactly once', async () => {
    const guard = new ReplayGuard(store, clock);
    const nonces = Array.from(
      { length: 1200 },
      (_, i) => `batch-nonce-${String(i % 600).padStart(6, '0')}`,
    );
    const results = await Promise.all(
      nonces.map((nonce) => guard.claim('00D000000000001AAA', nonce)),
    );
    expect(results.filter(Boolean)).toHaveLength(600);
    expect(results.slice(0, 600).every(Boolean)).toBe(true);
    expect(await guard.claim('00D000000000001AAA', 'batch-nonce-000001')).toBe(false);
  });

  const ORG_A = '00D000000000001AAA';
  const codeFor = (orgId: string, ttlMs = 60_000) =>
    tenants.createRegistrationCode({ orgId, ttlMs });

  it('when a registration code is used then it works exactly once, even under concurrency', async () => {
    const { code } = await codeFor(ORG_A);
    const attempts = await Promise.allSettled([
      tenants.register(code, { orgId: ORG_A, name: 'A' }),
      tenants.register(code, { orgId: ORG_A, name: 'B' }),
      tenants.register(code, { orgId: ORG_A, name: 'C' }),
    ]);
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const failed of attempts.filter((a) => a.status === 'rejected')) {
      expect((failed as PromiseRejectedResult).reason).toBeInstanceOf(AppError);
    }
    expect(await tenants.list()).toHaveLength(1);
  });

  it('when a registration code has expired then it is refused', async () => {
    const { code } = await codeFor(ORG_A);
    now += 60_001;
    await expect(
      tenants.register(code, { orgId: '00D000000000001AAA', name: 'A' }),
    ).rejects.toMatchObject({ code: 'REGISTRATION_INVALID' });
  });

  it('when registration fails because the org exists then the code stays usable', async () => {
    await tenants.add({ orgId: ORG_A, name: 'A' });
    const { code } = await codeFor(ORG_A);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      // TENANT_EXISTS both times: the first attempt did not use the code up.
      await expect(tenants.register(code, { orgId: ORG_A, name: 'A' })).rejects.toMatchObject({
        code: 'TENANT_EXISTS',
      });
    }
  });

  it('when a code is presented for another org then it is refused, not used up, and still registers its own org', async () => {
    const { code } = await codeFor(ORG_A);
    await expect(
      tenants.register(code, { orgId: '00D000000000002AAA', name: 'B' }),
    ).rejects.toMatchObject({ code: 'REGISTRATION_INVALID' });
    expect(await tenants.list()).toEqual([]);
    await expect(tenants.register(code, { orgId: ORG_A, name: 'A' })).resolves.toEqual(
      expect.any(String),
    );
  });

  it('when a code from before codes were bound is presented then it registers nothing', async () => {
    await store.db
      .insertInto('registration_codes')
      .values({
        code_hash: hashRegistrationCode('prc_unbound-legacy-code'),
        created_at: now,
        expires_at: now + 60_000,
        used_at: null,
        used_by_org: null,
        note: null,
        org_id: null,
      })
      .execute();
    await expect(
      tenants.register('prc_unbound-legacy-code', { orgId: ORG_A, name: 'A' }),
    ).rejects.toMatchObject({ code: 'REGISTRATION_INVALID' });
  });

  it('when tenants carry namespaces then they are stored, listed, changed and cleared', async () => {
    await tenants.add({ orgId: ORG_A, name: 'A', namespace: 'pjx' });
    const { code } = await codeFor('00D000000000002AAA');
    await tenants.register(code, { orgId: '00D000000000002AAA', name: 'B', namespace: '' });
    expect((await tenants.list()).map((t) => [t.orgId, t.namespace])).toEqual([
      [ORG_A, 'pjx'],
      ['00D000000000002AAA', ''],
    ]);
    expect(await tenants.namespace(ORG_A)).toBe('pjx');
    await tenants.setNamespace('00D000000000002AAA', 'Acme15CharsLong');
    expect(await tenants.namespace('00D000000000002AAA')).toBe('Acme15CharsLong');
    await tenants.setNamespace(ORG_A, '');
    expect(await tenants.namespace(ORG_A)).toBe('');
  });

  it.each(['9pjx', 'pj_x', 'pjx__', 'a'.repeat(16), ' pjx', 'pjx\n'])(
    'when the namespace is %j then it is refused VALIDATION_FAILED and nothing changes',
    async (bad) => {
      await tenants.add({ orgId: ORG_A, name: 'A', namespace: 'pjx' });
      await expect(tenants.setNamespace(ORG_A, bad)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        fieldErrors: [expect.objectContaining({ field: 'namespace' })],
      });
      await expect(
        tenants.add({ orgId: '00D000000000002AAA', name: 'B', namespace: bad }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      const { code } = await codeFor('00D000000000003AAA');
      await expect(
        tenants.register(code, { orgId: '00D000000000003AAA', name: 'C', namespace: bad }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((await tenants.list()).map((t) => [t.orgId, t.namespace])).toEqual([[ORG_A, 'pjx']]);
    },
  );

  it('when a transaction fails then none of its writes remain', async () => {
    await expect(
      store.transaction(async (tx) => {
        await vault.put('tenant/x/secret', 'value', tx);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await vault.get('tenant/x/secret')).toBeUndefined();
  });

  it('when times are stored then they read back as numbers', async () => {
    await tenants.add({ orgId: '00D000000000001AAA', name: 'A' });
    const row = await store.db.selectFrom('tenants').select('created_at').executeTakeFirstOrThrow();
    expect(row.created_at).toBe(now);
  });
});
