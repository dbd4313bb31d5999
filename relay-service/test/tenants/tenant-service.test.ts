import { openStore, type Store } from '../../src/store/store';
import { REGISTRATION_FAILURE_LIMIT } from '../../src/tenants/registration-limiter';
import {
  CREDENTIALS_CACHE_MS,
  MAX_QUOTA_WEIGHT,
  TenantService,
  hashRegistrationCode,
  salesforceAuthSchema,
  type SalesforceAuth,
} from '../../src/tenants/tenant-service';
import { Envelope } from '../../src/vault/envelope';
import { Vault } from '../../src/vault/vault';
import { freshStoreLocation } from '../support/stores';

/**
 * Tenant credentials on a real SQLite store, without a relay: signing secrets (kept only in
 * the vault), rotation and its grace, the credentials cache and how other instances' changes
 * reach it, the per-tenant settings, the Salesforce write-back credential and registration
 * codes. store.test.ts covers the same service on both engines.
 */

const ORG = '00D000000000001AAA';
const OTHER = '00D000000000002AAA';
const START = 1_800_000_000_000;
const HOUR = 60 * 60 * 1000;

const CLIENT_CREDENTIALS: SalesforceAuth = {
  type: 'client_credentials',
  loginUrl: 'https://acme.my.salesforce.com',
  clientId: '3MVG9-consumer-key',
  clientSecret: 'sf-client-secret-never-in-clear',
};

describe('tenant credentials', () => {
  let store: Store;
  let now: number;
  const clock = { now: () => now };
  let vault: Vault;
  let tenants: TenantService;
  /** A second relay instance on the same store, with its own cache. */
  let other: TenantService;

  beforeEach(async () => {
    now = START;
    store = openStore(await freshStoreLocation('sqlite'));
    await store.migrate();
    vault = new Vault(store, new Envelope([{ kid: 'k1', key: Buffer.alloc(32, 7) }]), clock);
    tenants = new TenantService(store, vault, clock);
    other = new TenantService(store, vault, clock);
  });
  afterEach(() => store.close());

  /** Every text the store holds, to look for secrets in clear. */
  async function everythingStored(): Promise<string> {
    const tables = ['tenants', 'tenant_secrets', 'vault_entries', 'registration_codes'] as const;
    const dumps = await Promise.all(
      tables.map((table) => store.db.selectFrom(table).selectAll().execute()),
    );
    return JSON.stringify(dumps, (_k, v: unknown) =>
      Buffer.isBuffer(v) ? v.toString('latin1') : v,
    );
  }

  describe('adding a tenant', () => {
    it('when a tenant is added then it is listed with the default settings and its secret is kept only encrypted', async () => {
      const secret = await tenants.add({ orgId: ORG, name: 'Acme' });
      expect(Buffer.from(secret, 'base64')).toHaveLength(32);
      expect(await tenants.list()).toEqual([
        {
          orgId: ORG,
          name: 'Acme',
          status: 'active',
          hasSalesforceAuth: false,
          auditViews: false,
          namespace: '',
          quotaWeight: 1,
          createdAt: new Date(START).toISOString(),
        },
      ]);
      expect(
        await store.db.selectFrom('tenant_secrets').selectAll().where('org_id', '=', ORG).execute(),
      ).toEqual([
        {
          org_id: ORG,
          slot: 'current',
          vault_ref: `tenant/${ORG}/signing/current`,
          created_at: START,
          expires_at: null,
        },
      ]);
      expect(await everythingStored()).not.toContain(secret);
      expect(await everythingStored()).not.toContain(Buffer.from(secret, 'base64').toString('hex'));
    });

    it('when two tenants are added then each has its own secret and they are listed by org id', async () => {
      const second = await tenants.add({ orgId: OTHER, name: 'Globex' });
      const first = await tenants.add({ orgId: ORG, name: 'Acme' });
      expect(first).not.toBe(second);
      expect((await tenants.list()).map((t) => t.orgId)).toEqual([ORG, OTHER]);
      expect((await tenants.credentials(OTHER))?.secrets).toEqual([second]);
    });

    it('when a tenant is added with a Salesforce credential then it is kept in the vault only', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme', salesforceAuth: CLIENT_CREDENTIALS });
      expect(await tenants.salesforceAuth(ORG)).toEqual(CLIENT_CREDENTIALS);
      expect((await tenants.list())[0]?.hasSalesforceAuth).toBe(true);
      expect(await everythingStored()).not.toContain(CLIENT_CREDENTIALS.clientSecret);
    });

    it('when an org is registered twice then TENANT_EXISTS names it', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme' });
      await expect(tenants.add({ orgId: ORG, name: 'Acme' })).rejects.toMatchObject({
        code: 'TENANT_EXISTS',
        detail: `Org ${ORG} is already registered with this relay.`,
      });
    });
  });

  describe('rotating the signing secret', () => {
    it('when the secret rotates then the previous one stays valid for the default day and no longer', async () => {
      const first = await tenants.add({ orgId: ORG, name: 'Acme' });
      now += 1_000;
      const rotated = await tenants.rotateSecret(ORG);
      expect(rotated.previousValidUntil).toBe(new Date(now + 24 * HOUR).toISOString());
      expect(Buffer.from(rotated.secret, 'base64')).toHaveLength(32);
      expect((await tenants.credentials(ORG))?.secrets).toEqual([rotated.secret, first]);
      const slots = await store.db
        .selectFrom('tenant_secrets')
        .select(['slot', 'created_at', 'expires_at'])
        .where('org_id', '=', ORG)
        .orderBy('slot')
        .execute();
      expect(slots).toEqual([
        { slot: 'current', created_at: now, expires_at: null },
        { slot: 'previous', created_at: now, expires_at: now + 24 * HOUR },
      ]);

      now += 24 * HOUR - 1;
      expect((await tenants.credentials(ORG))?.secrets).toEqual([rotated.secret, first]);
      now += 1;
      expect((await tenants.credentials(ORG))?.secrets).toEqual([rotated.secret]);
      expect(await everythingStored()).not.toContain(rotated.secret);
    });

    it('when the secret rotates twice inside the grace then only the last two are valid', async () => {
      const first = await tenants.add({ orgId: ORG, name: 'Acme' });
      const { secret: second } = await tenants.rotateSecret(ORG, 60_000);
      const { secret: third } = await tenants.rotateSecret(ORG, 60_000);
      expect((await tenants.credentials(ORG))?.secrets).toEqual([third, second]);
      expect((await tenants.credentials(ORG))?.secrets).not.toContain(first);
    });

    it('when an unknown org rotates then TENANT_UNKNOWN is answered with 404', async () => {
      await expect(tenants.rotateSecret(ORG)).rejects.toMatchObject({
        code: 'TENANT_UNKNOWN',
        status: 404,
        detail: `No tenant has org id ${ORG}.`,
      });
    });

    it('when a tenant has lost its current secret then rotation fails instead of inventing one', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme' });
      await store.db.deleteFrom('vault_entries').execute();
      await expect(tenants.rotateSecret(ORG)).rejects.toThrow(
        `tenant ${ORG} has no current secret`,
      );
    });
  });

  describe('the credentials cache', () => {
    it('when this instance changes a tenant then it sees the change at once', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme' });
      expect((await tenants.credentials(ORG))?.status).toBe('active');
      await tenants.setStatus(ORG, 'disabled');
      expect((await tenants.credentials(ORG))?.status).toBe('disabled');
      const { secret } = await tenants.rotateSecret(ORG);
      expect((await tenants.credentials(ORG))?.secrets[0]).toBe(secret);
    });

    it('when another instance changes a tenant then this one sees it after CREDENTIALS_CACHE_MS and not before', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme' });
      expect(await tenants.credentials(ORG)).toMatchObject({ status: 'active' });
      expect(await tenants.auditsViews(ORG)).toBe(false);
      await other.setStatus(ORG, 'disabled');
      await other.setAuditViews(ORG, true);
      await other.setNamespace(ORG, 'pjx');
      await other.setQuotaWeight(ORG, 3);

      now += CREDENTIALS_CACHE_MS - 1;
      expect(await tenants.credentials(ORG)).toMatchObject({ status: 'active' });
      expect(await tenants.auditsViews(ORG)).toBe(false);
      expect(await tenants.namespace(ORG)).toBe('');
      expect(await tenants.quotaWeight(ORG)).toBe(1);

      now += 1;
      expect(await tenants.credentials(ORG)).toMatchObject({ status: 'disabled' });
      expect(await tenants.auditsViews(ORG)).toBe(true);
      expect(await tenants.namespace(ORG)).toBe('pjx');
      expect(await tenants.quotaWeight(ORG)).toBe(3);
    });

    it('when the clock goes back then the cached credentials are read again', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme' });
      await tenants.credentials(ORG);
      await other.setStatus(ORG, 'disabled');
      now -= 1;
      expect((await tenants.credentials(ORG))?.status).toBe('disabled');
    });

    it('when an org is unknown then it has no credentials and default settings, and registering it later is seen at once', async () => {
      expect(await tenants.credentials(ORG)).toBeUndefined();
      expect(await tenants.auditsViews(ORG)).toBe(false);
      expect(await tenants.namespace(ORG)).toBe('');
      expect(await tenants.quotaWeight(ORG)).toBe(1);
      const secret = await other.add({ orgId: ORG, name: 'Acme' });
      expect((await tenants.credentials(ORG))?.secrets).toEqual([secret]);
    });

    it('when a tenant is added again after a failed attempt then this instance forgets what it cached', async () => {
      const secret = await tenants.add({ orgId: ORG, name: 'Acme' });
      await tenants.credentials(ORG);
      await store.db.deleteFrom('tenants').execute();
      const again = await tenants.add({ orgId: ORG, name: 'Acme' });
      expect((await tenants.credentials(ORG))?.secrets).toEqual([again]);
      expect(again).not.toBe(secret);
    });
  });

  describe('per-tenant settings', () => {
    it('when View auditing is turned on and off then auditsViews follows and list shows it', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme' });
      await tenants.setAuditViews(ORG, true);
      expect(await tenants.auditsViews(ORG)).toBe(true);
      expect((await tenants.list())[0]?.auditViews).toBe(true);
      await tenants.setAuditViews(ORG, false);
      expect(await tenants.auditsViews(ORG)).toBe(false);
    });

    it('when a setting changes then the tenant records when', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme' });
      now += 5_000;
      await tenants.setQuotaWeight(ORG, 2);
      const row = await store.db
        .selectFrom('tenants')
        .select(['created_at', 'updated_at'])
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ created_at: START, updated_at: START + 5_000 });
    });

    it.each([1, 50, MAX_QUOTA_WEIGHT])(
      'when the quota weight is %i then it is kept',
      async (weight) => {
        await tenants.add({ orgId: ORG, name: 'Acme' });
        await tenants.setQuotaWeight(ORG, weight);
        expect(await tenants.quotaWeight(ORG)).toBe(weight);
        expect((await tenants.list())[0]?.quotaWeight).toBe(weight);
      },
    );

    it.each([0, -1, MAX_QUOTA_WEIGHT + 1, 1.5, Number.NaN])(
      'when the quota weight is %p then VALIDATION_FAILED names quotaWeight and nothing changes',
      async (weight) => {
        await tenants.add({ orgId: ORG, name: 'Acme' });
        await expect(tenants.setQuotaWeight(ORG, weight)).rejects.toMatchObject({
          code: 'VALIDATION_FAILED',
          detail: 'The quota weight is invalid: expected a whole number from 1 to 100.',
          fieldErrors: [{ field: 'quotaWeight', message: 'expected a whole number from 1 to 100' }],
        });
        expect(await tenants.quotaWeight(ORG)).toBe(1);
      },
    );

    it('when the namespace is invalid then the error names the field and says why', async () => {
      await expect(
        tenants.add({ orgId: ORG, name: 'Acme', namespace: '9pjx' }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        detail: expect.stringMatching(/^The namespace is invalid: .+\.$/) as string,
        fieldErrors: [{ field: 'namespace', message: expect.any(String) as string }],
      });
    });

    it.each([
      ['setAuditViews', (t: TenantService) => t.setAuditViews(ORG, true)],
      ['setStatus', (t: TenantService) => t.setStatus(ORG, 'disabled')],
      ['setNamespace', (t: TenantService) => t.setNamespace(ORG, 'pjx')],
      ['setQuotaWeight', (t: TenantService) => t.setQuotaWeight(ORG, 2)],
      ['setSalesforceAuth', (t: TenantService) => t.setSalesforceAuth(ORG, CLIENT_CREDENTIALS)],
    ])(
      'when %s names an unknown org then TENANT_UNKNOWN is answered and nothing is stored',
      async (_what, change) => {
        await expect(change(tenants)).rejects.toMatchObject({
          code: 'TENANT_UNKNOWN',
          status: 404,
        });
        expect(await tenants.list()).toEqual([]);
        expect(await tenants.salesforceAuth(ORG)).toBeUndefined();
      },
    );
  });

  describe('the Salesforce write-back credential', () => {
    it('when a credential is set or replaced then the vault holds the latest and the tenant says it has one', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme' });
      expect(await tenants.salesforceAuth(ORG)).toBeUndefined();
      now += 1_000;
      await tenants.setSalesforceAuth(ORG, CLIENT_CREDENTIALS);
      const jwt: SalesforceAuth = {
        type: 'jwt_bearer',
        loginUrl: 'https://login.salesforce.com',
        clientId: '3MVG9-consumer-key',
        username: 'integration@acme.example',
        privateKey: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----',
      };
      await tenants.setSalesforceAuth(ORG, jwt);
      expect(await tenants.salesforceAuth(ORG)).toEqual(jwt);
      expect(
        await store.db
          .selectFrom('tenants')
          .select(['sf_auth_ref', 'updated_at'])
          .executeTakeFirstOrThrow(),
      ).toEqual({ sf_auth_ref: `tenant/${ORG}/salesforce-auth`, updated_at: START + 1_000 });
      expect(await everythingStored()).not.toContain('MIIE');
    });
  });

  describe('registration codes', () => {
    it('when a code is hashed then the hash is the SHA-256 of its UTF-8 bytes in hex', () => {
      // Known answer (printf 'prc_é' | sha256sum): a hash of other bytes, or in another
      // encoding, would never match the codes already stored.
      expect(hashRegistrationCode('prc_\u00e9')).toBe(
        '8430df0f2f5b6a138b04db2af73243dfcac8b7211fc9b2941abda9eac74e9f34',
      );
    });

    it('when a code is made then it is returned once and only its hash is stored, bound to its org', async () => {
      const made = await tenants.createRegistrationCode({ orgId: ORG, ttlMs: HOUR, note: 'Acme' });
      expect(made.code).toMatch(/^prc_[A-Za-z0-9_-]{32}$/);
      expect(made.expiresAt).toBe(new Date(START + HOUR).toISOString());
      expect(await store.db.selectFrom('registration_codes').selectAll().execute()).toEqual([
        {
          code_hash: hashRegistrationCode(made.code),
          created_at: START,
          expires_at: START + HOUR,
          used_at: null,
          used_by_org: null,
          note: 'Acme',
          org_id: ORG,
        },
      ]);
      expect(await everythingStored()).not.toContain(made.code);
      const plain = await tenants.createRegistrationCode({ orgId: OTHER, ttlMs: HOUR });
      expect(plain.code).not.toBe(made.code);
      expect(
        (
          await store.db
            .selectFrom('registration_codes')
            .select('note')
            .where('org_id', '=', OTHER)
            .executeTakeFirstOrThrow()
        ).note,
      ).toBeNull();
    });

    it('when a code registers its org then the tenant exists with its namespace and the code records who used it', async () => {
      const { code } = await tenants.createRegistrationCode({ orgId: ORG, ttlMs: HOUR });
      now += 10;
      const secret = await tenants.register(code, { orgId: ORG, name: 'Acme', namespace: 'pjx' });
      expect((await tenants.credentials(ORG))?.secrets).toEqual([secret]);
      expect(await tenants.namespace(ORG)).toBe('pjx');
      expect(
        await store.db
          .selectFrom('registration_codes')
          .select(['used_at', 'used_by_org'])
          .executeTakeFirstOrThrow(),
      ).toEqual({ used_at: START + 10, used_by_org: ORG });
      await expect(tenants.register(code, { orgId: ORG, name: 'Acme' })).rejects.toMatchObject({
        code: 'REGISTRATION_INVALID',
      });
    });

    it('when a code is presented at its expiry then it is refused', async () => {
      const { code } = await tenants.createRegistrationCode({ orgId: ORG, ttlMs: HOUR });
      now += HOUR;
      await expect(tenants.register(code, { orgId: ORG, name: 'Acme' })).rejects.toMatchObject({
        code: 'REGISTRATION_INVALID',
        detail:
          'The registration code is unknown, expired, already used or made for another org. Ask the relay operator for a new one.',
      });
      now -= 1;
      await expect(tenants.register(code, { orgId: ORG, name: 'Acme' })).resolves.toEqual(
        expect.any(String),
      );
    });

    it('when one address fails too often then even a valid code from it is refused for a while, and other addresses are not', async () => {
      const { code } = await tenants.createRegistrationCode({ orgId: ORG, ttlMs: HOUR });
      for (let attempt = 0; attempt < REGISTRATION_FAILURE_LIMIT; attempt += 1) {
        await expect(
          tenants.register('prc_guessed', { orgId: ORG, name: 'Acme' }, '203.0.113.9'),
        ).rejects.toMatchObject({ code: 'REGISTRATION_INVALID' });
      }
      const error: unknown = await tenants
        .register(code, { orgId: ORG, name: 'Acme' }, '203.0.113.9')
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
      const wait = (error as { retryAfter: number }).retryAfter;
      expect(wait).toBeGreaterThan(0);
      expect((error as { detail: string }).detail).toBe(
        `Too many failed registration attempts from this address; try again in ${wait} s with a valid code.`,
      );
      // The code was not used up, and another address may use it.
      await expect(
        tenants.register(code, { orgId: ORG, name: 'Acme' }, '198.51.100.7'),
      ).resolves.toEqual(expect.any(String));
    });

    it('when registration fails for another reason than the code then it does not count against the address', async () => {
      await tenants.add({ orgId: ORG, name: 'Acme' });
      const { code } = await tenants.createRegistrationCode({ orgId: ORG, ttlMs: HOUR });
      for (let attempt = 0; attempt <= REGISTRATION_FAILURE_LIMIT; attempt += 1) {
        await expect(
          tenants.register(code, { orgId: ORG, name: 'Acme' }, '203.0.113.9'),
        ).rejects.toMatchObject({ code: 'TENANT_EXISTS' });
      }
    });
  });
});

describe('the Salesforce write-back credential schema', () => {
  it.each([
    ['client credentials on https', CLIENT_CREDENTIALS],
    [
      'client credentials on http (a local test org)',
      { ...CLIENT_CREDENTIALS, loginUrl: 'http://localhost:6109' },
    ],
    [
      'a JWT bearer with a PEM key',
      {
        type: 'jwt_bearer',
        loginUrl: 'https://login.salesforce.com',
        clientId: 'c',
        username: 'u@acme.example',
        privateKey: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----',
      },
    ],
  ])('when the credential is %s then it is accepted', (_what, auth) => {
    expect(salesforceAuthSchema.safeParse(auth).success).toBe(true);
  });

  it.each([
    ['an ftp login URL', { ...CLIENT_CREDENTIALS, loginUrl: 'ftp://login.salesforce.com' }],
    ['an httpx login URL', { ...CLIENT_CREDENTIALS, loginUrl: 'httpx://login.salesforce.com' }],
    ['an xhttps login URL', { ...CLIENT_CREDENTIALS, loginUrl: 'xhttps://login.salesforce.com' }],
    [
      'a JWT bearer with an xhttps login URL',
      {
        type: 'jwt_bearer',
        loginUrl: 'xhttps://login.salesforce.com',
        clientId: 'c',
        username: 'u@acme.example',
        privateKey: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----',
      },
    ],
    ['an empty client id', { ...CLIENT_CREDENTIALS, clientId: '' }],
    ['an empty client secret', { ...CLIENT_CREDENTIALS, clientSecret: '' }],
    ['an unknown type', { ...CLIENT_CREDENTIALS, type: 'password' }],
  ])('when the credential has %s then it is refused', (_what, auth) => {
    expect(salesforceAuthSchema.safeParse(auth).success).toBe(false);
  });

  it('when a JWT bearer key is not PEM then the error says a PEM key is expected', () => {
    const parsed = salesforceAuthSchema.safeParse({
      type: 'jwt_bearer',
      loginUrl: 'https://login.salesforce.com',
      clientId: 'c',
      username: 'u@acme.example',
      privateKey: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
    });
    expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['privateKey', 'expected a PEM private key'],
    ]);
    for (const field of ['clientId', 'username'])
      expect(
        salesforceAuthSchema.safeParse({
          type: 'jwt_bearer',
          loginUrl: 'https://login.salesforce.com',
          clientId: 'c',
          username: 'u',
          privateKey: '-----BEGIN x',
          [field]: '',
        }).success,
      ).toBe(false);
  });
});
