import path from 'node:path';
import { ORG_ID, TEST_KEY } from '../support/relay';
import { runAdmin } from '../support/cli';
import { runTs } from '../support/processes';
import { tempDir } from '../support/stores';

const CLI = 'relay-service/cli/admin.ts';
// The commands run in-process (support/cli.ts); the first and the last test start the CLI as
// its own process (tsx), a few seconds each on a busy machine.
jest.setTimeout(60_000);

describe('admin CLI', () => {
  let env: Record<string, string>;
  const admin = (...args: string[]) => runAdmin(args, env);
  const adminProcess = (...args: string[]) => runTs(CLI, args, env);

  beforeAll(() => {
    env = {
      DATABASE_URL: `sqlite:${path.join(tempDir(), 'cli.db')}`,
      RELAY_ENCRYPTION_KEYS: TEST_KEY,
      LOG_LEVEL: 'silent',
    };
  });

  it('when a tenant is added with --json then one JSON object with org id and secret is printed', async () => {
    const result = await adminProcess(
      'tenants',
      'add',
      '--org-id',
      ORG_ID,
      '--name',
      'Acme',
      '--json',
    );
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as { orgId: string; secret: string };
    expect(printed.orgId).toBe(ORG_ID);
    expect(Buffer.from(printed.secret, 'base64')).toHaveLength(32);
  });

  it('when tenants are listed then the tenant appears without any secret', async () => {
    const result = await admin('tenants', 'list', '--json');
    expect(result.code).toBe(0);
    const { tenants } = JSON.parse(result.stdout) as { tenants: Record<string, unknown>[] };
    expect(tenants).toEqual([
      expect.objectContaining({ orgId: ORG_ID, name: 'Acme', status: 'active' }),
    ]);
    expect(result.stdout).not.toMatch(/secret/i);
  });

  it('when the secret is rotated then a new secret is printed with the grace end', async () => {
    const result = await admin(
      'tenants',
      'rotate-secret',
      '--org-id',
      ORG_ID,
      '--grace-hours',
      '1',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      orgId: ORG_ID,
      secret: expect.any(String),
      previousValidUntil: expect.any(String),
    });
  });

  it('when a tenant is disabled then the list shows it disabled', async () => {
    expect((await admin('tenants', 'disable', '--org-id', ORG_ID, '--json')).code).toBe(0);
    const { tenants } = JSON.parse((await admin('tenants', 'list', '--json')).stdout) as {
      tenants: { status: string }[];
    };
    expect(tenants[0]?.status).toBe('disabled');
  });

  it('when --sf-auth is given then it is stored and never printed', async () => {
    const sfAuth = JSON.stringify({
      type: 'client_credentials',
      loginUrl: 'https://acme.my.salesforce.com',
      clientId: 'cid',
      clientSecret: 'very-secret-client-secret',
    });
    const result = await admin(
      'tenants',
      'add',
      '--org-id',
      '00D5g000004SFAUTHA',
      '--name',
      'With auth',
      '--sf-auth',
      sfAuth,
      '--json',
    );
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain('very-secret-client-secret');
    const list = await admin('tenants', 'list', '--json');
    expect(list.stdout).toContain('"hasSalesforceAuth":true');
  });

  it('when --sf-auth is malformed then the fields are named, not the values', async () => {
    const result = await admin(
      'tenants',
      'add',
      '--org-id',
      '00D5g000004SFAUTHB',
      '--name',
      'Bad',
      '--sf-auth',
      '{"type":"client_credentials","clientSecret":"leak-me"}',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--sf-auth is invalid: .*loginUrl/);
    expect(result.stderr).not.toContain('leak-me');
  });

  it('when a registration code is created for an org then it is printed once with that org', async () => {
    const result = await admin(
      'registration-code',
      'create',
      '--org-id',
      '00D5g000004REGCODA',
      '--ttl-minutes',
      '5',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      code: expect.stringMatching(/^prc_/),
      orgId: '00D5g000004REGCODA',
      expiresAt: expect.any(String),
    });
  });

  it('when a tenant is added and changed with --namespace then list shows it, and "" clears it', async () => {
    const orgId = '00D5g000004NSPACEA';
    const nsOf = async () => {
      const { tenants } = JSON.parse((await admin('tenants', 'list', '--json')).stdout) as {
        tenants: { orgId: string; namespace: string }[];
      };
      return tenants.find((t) => t.orgId === orgId)?.namespace;
    };
    const added = await admin(
      'tenants',
      'add',
      '--org-id',
      orgId,
      '--name',
      'Ns',
      '--namespace',
      'pjx',
    );
    expect(added.code).toBe(0);
    expect(await nsOf()).toBe('pjx');
    expect((await admin('tenants', 'list')).stdout).toMatch(
      new RegExp(`${orgId} .*namespace=pjx .*Ns`),
    );
    const set = await admin('tenants', 'set', '--org-id', orgId, '--namespace', 'Acme2', '--json');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ orgId, namespace: 'Acme2' });
    expect(await nsOf()).toBe('Acme2');
    expect((await admin('tenants', 'set', '--org-id', orgId, '--namespace', '')).code).toBe(0);
    expect(await nsOf()).toBe('');
  });

  it('when the namespace is invalid then add and set exit non-zero naming VALIDATION_FAILED and change nothing', async () => {
    const add = await admin(
      'tenants',
      'add',
      '--org-id',
      '00D5g000004BADNSAA',
      '--name',
      'Bad',
      '--namespace',
      'pj_x',
    );
    expect(add.code).toBe(1);
    expect(add.stderr).toMatch(/namespace is invalid.*VALIDATION_FAILED/);
    expect((await admin('tenants', 'list')).stdout).not.toContain('00D5g000004BADNSAA');
    const set = await admin(
      'tenants',
      'set',
      '--org-id',
      '00D5g000004NSPACEA',
      '--namespace',
      '1abc',
      '--audit-views',
      'on',
      '--json',
    );
    expect(set.code).toBe(1);
    expect(set.stderr).toMatch(/VALIDATION_FAILED/);
    const { tenants } = JSON.parse((await admin('tenants', 'list', '--json')).stdout) as {
      tenants: { orgId: string; auditViews: boolean }[];
    };
    expect(tenants.find((t) => t.orgId === '00D5g000004NSPACEA')?.auditViews).toBe(false);
  });

  it('when --quota-weight is set then list shows it, and a weight out of 1–100 is refused', async () => {
    const orgId = '00D5g000004NSPACEA';
    const weightOf = async () => {
      const { tenants } = JSON.parse((await admin('tenants', 'list', '--json')).stdout) as {
        tenants: { orgId: string; quotaWeight: number }[];
      };
      return tenants.find((t) => t.orgId === orgId)?.quotaWeight;
    };
    expect(await weightOf()).toBe(1);
    const set = await admin('tenants', 'set', '--org-id', orgId, '--quota-weight', '3', '--json');
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ orgId, quotaWeight: 3 });
    expect(await weightOf()).toBe(3);
    expect((await admin('tenants', 'list')).stdout).toMatch(
      new RegExp(`${orgId} .*quota-weight=3`),
    );
    for (const bad of ['101', '2.5']) {
      const refused = await admin('tenants', 'set', '--org-id', orgId, '--quota-weight', bad);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('--quota-weight must be a whole number from 1 to 100');
    }
    expect(await weightOf()).toBe(3);
  });

  it('when keys are rotated then every secret is moved to the new primary key', async () => {
    const newKey = `test2:${Buffer.alloc(32, 8).toString('base64')}`;
    env = { ...env, RELAY_ENCRYPTION_KEYS: `${newKey},${TEST_KEY}` };
    const result = await admin('keys', 'rotate', '--json');
    expect(result.code).toBe(0);
    const { rewrapped, total } = JSON.parse(result.stdout) as { rewrapped: number; total: number };
    expect(rewrapped).toBe(total);
    expect(total).toBeGreaterThanOrEqual(3);
    env = { ...env, RELAY_ENCRYPTION_KEYS: newKey };
    expect((await admin('tenants', 'rotate-secret', '--org-id', ORG_ID, '--json')).code).toBe(0);
  });

  it.each([
    [['tenants', 'add', '--name', 'x'], /--org-id is required/],
    [['tenants', 'add', '--org-id', 'nope', '--name', 'x'], /--org-id: expected an 18-character/],
    [['tenants', 'fly'], /unknown command: tenants fly/],
    [['tenants', 'list', '--bogus'], /Unknown option '--bogus'/],
    [
      ['registration-code', 'create', '--org-id', ORG_ID, '--ttl-minutes', '0'],
      /--ttl-minutes must be a positive number/,
    ],
    [['registration-code', 'create'], /--org-id is required/],
  ])(
    'when the arguments are %p then it exits non-zero with a clear message',
    async (args, message) => {
      const result = await admin(...args);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    },
  );

  it('when the tenant does not exist then disable fails with exit 1', async () => {
    const result = await adminProcess('tenants', 'disable', '--org-id', '00D5g000004NOSUCHA');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/TENANT_UNKNOWN/);
  });
});
