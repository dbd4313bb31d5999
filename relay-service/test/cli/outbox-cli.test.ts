import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/lib/logger';
import { createServices } from '../../src/services';
import { AUDIT_ORG_ID, auditEvent } from '../support/audit-events';
import { runAdmin } from '../support/cli';
import { runTs } from '../support/processes';
import { TEST_KEY } from '../support/relay';
import { SalesforceDouble } from '../support/salesforce-double';
import { tempDir } from '../support/stores';

const CLI = 'relay-service/cli/admin.ts';
// The commands run in-process (support/cli.ts); listing the parked event starts the CLI as its
// own process (tsx), a few seconds on a busy machine.
jest.setTimeout(60_000);

interface Entry {
  requestId: string;
  status: string;
  attempts: number;
  lastError: { code: string; fields?: string[] } | null;
}

describe('admin CLI: audit outbox and view auditing', () => {
  let double: SalesforceDouble;
  let env: Record<string, string>;
  const admin = (...args: string[]) => runAdmin(args, env);
  const listJson = async (...args: string[]) => {
    const result = await admin('outbox', 'list', ...args, '--json');
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as { entries: Entry[] }).entries;
  };

  beforeAll(async () => {
    double = await SalesforceDouble.start();
    double.registerClientCredentials('cli-client', 'cli-client-secret');
    env = {
      DATABASE_URL: `sqlite:${path.join(tempDir(), 'outbox-cli.db')}`,
      RELAY_ENCRYPTION_KEYS: TEST_KEY,
      RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
      LOG_LEVEL: 'silent',
    };
    // A relay run that delivered two events and had one rejected by Salesforce.
    const services = await createServices(loadConfig(env), createLogger('silent'));
    await services.tenants.add({
      orgId: AUDIT_ORG_ID,
      name: 'Acme',
      salesforceAuth: {
        type: 'client_credentials',
        loginUrl: double.url,
        clientId: 'cli-client',
        clientSecret: 'cli-client-secret',
      },
    });
    await services.audit.record(auditEvent('ok-1'));
    await services.audit.record(auditEvent('bad-1', { recordId: 'x'.repeat(30) }));
    await services.audit.record(auditEvent('ok-2'));
    await services.auditDrainer.drainOnce({ flush: true });
    await services.store.close();
  });
  afterAll(() => double.stop());

  it('when the outbox is listed then the parked event shows with its Salesforce error', async () => {
    const entries = await listJson();
    expect(entries).toEqual([
      expect.objectContaining({
        requestId: 'bad-1',
        status: 'parked',
        attempts: 1,
        lastError: expect.objectContaining({ code: 'STRING_TOO_LONG', fields: ['Record_Id__c'] }),
      }),
    ]);
    const text = await runTs(CLI, ['outbox', 'list'], env);
    expect(text.stdout).toMatch(/bad-1 .* parked .*STRING_TOO_LONG: .*\[Record_Id__c\]/);
    expect((await listJson('--status', 'delivered')).map((e) => e.requestId)).toEqual([
      'ok-1',
      'ok-2',
    ]);
  });

  it('when a parked event is retried then it is pending again', async () => {
    const result = await admin('outbox', 'retry', '--request-id', 'bad-1', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ requeued: 1 });
    expect(await listJson('--status', 'pending')).toEqual([
      expect.objectContaining({ requestId: 'bad-1', status: 'pending' }),
    ]);
  });

  it('when delivered events are purged then they are gone and the pending one stays', async () => {
    const result = await admin('outbox', 'purge-delivered', '--older-than-days', '0', '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ purged: 2 });
    expect((await listJson('--status', 'all')).map((e) => e.requestId)).toEqual(['bad-1']);
  });

  it('when view auditing is switched on then the tenant list shows it', async () => {
    const result = await admin(
      'tenants',
      'set',
      '--org-id',
      AUDIT_ORG_ID,
      '--audit-views',
      'on',
      '--json',
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ orgId: AUDIT_ORG_ID, auditViews: true });
    const list = await admin('tenants', 'list', '--json');
    expect(list.stdout).toContain('"auditViews":true');
    expect(list.stdout).not.toContain('cli-client-secret');
  });

  it.each([
    [['outbox', 'retry'], /outbox retry needs --request-id, --org-id or --all/],
    [['outbox', 'list', '--status', 'lost'], /--status must be pending, parked, delivered or all/],
    [
      ['tenants', 'set', '--org-id', AUDIT_ORG_ID, '--audit-views', 'maybe'],
      /--audit-views must be on or off/,
    ],
    [
      ['tenants', 'set', '--org-id', AUDIT_ORG_ID],
      /tenants set needs --namespace, --audit-views, --sf-auth or --quota-weight/,
    ],
  ])('when the arguments are %p then it exits 2 with a clear message', async (args, message) => {
    const result = await admin(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('when the tenant is unknown then tenants set fails with exit 1', async () => {
    const result = await admin(
      'tenants',
      'set',
      '--org-id',
      '00D5g000004NOSUCHA',
      '--audit-views',
      'on',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/TENANT_UNKNOWN/);
  });
});
