import { Registry } from 'prom-client';
import { OutboxDrainer, type DrainerSettings } from '../../src/audit/outbox-drainer';
import { OutboxRepository } from '../../src/audit/outbox-repository';
import { OutboxAuditSink } from '../../src/audit/outbox-sink';
import { createLogger } from '../../src/lib/logger';
import { UpstreamGuard } from '../../src/lib/upstream-guard';
import { SalesforceAuditClient } from '../../src/salesforce/audit-client';
import { openStore, type Store } from '../../src/store/store';
import { TenantService } from '../../src/tenants/tenant-service';
import { Envelope } from '../../src/vault/envelope';
import { Vault } from '../../src/vault/vault';
import { AUDIT_ORG_ID, auditEvent, requestIds } from '../support/audit-events';
import { LogCapture } from '../support/relay';
import { SalesforceDouble } from '../support/salesforce-double';
import { ENGINES, freshStoreLocation } from '../support/stores';

const OBJECT = 'Jira_Audit_Event__c';
const SETTINGS: DrainerSettings = {
  batchSize: 200,
  pollIntervalMs: 5,
  leaseMs: 60_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 8_000,
  random: () => 0.5,
};

describe.each(ENGINES)('audit outbox on %s', (engine) => {
  let double: SalesforceDouble;
  let store: Store;
  let now: number;
  const clock = { now: () => now };
  let tenants: TenantService;
  let outbox: OutboxRepository;
  let sink: OutboxAuditSink;
  let client: SalesforceAuditClient;
  let logs: LogCapture;
  let drainer: OutboxDrainer;

  const newDrainer = (settings: Partial<DrainerSettings> = {}) =>
    new OutboxDrainer(outbox, client, clock, createLogger('info', logs), {
      ...SETTINGS,
      ...settings,
    });
  const recordAll = async (ids: string[]) => {
    await store.transaction(async (tx) => {
      for (const id of ids) await sink.record(auditEvent(id), tx);
    });
  };
  const deliveredIds = () => double.records(OBJECT).map((r) => String(r.Request_Id__c));

  beforeAll(async () => {
    double = await SalesforceDouble.start();
    double.registerClientCredentials('relay-client', 'relay-client-secret-value');
  });
  afterAll(() => double.stop());

  beforeEach(async () => {
    now = 1_800_000_000_000;
    double.data.clear();
    double.calls.length = 0;
    double.upsertsByExternalId.clear();
    double.fault = { kind: 'none' };
    store = openStore(await freshStoreLocation(engine));
    await store.migrate();
    const vault = new Vault(store, new Envelope([{ kid: 'k1', key: Buffer.alloc(32, 3) }]), clock);
    tenants = new TenantService(store, vault, clock);
    await tenants.add({
      orgId: AUDIT_ORG_ID,
      name: 'Acme',
      salesforceAuth: {
        type: 'client_credentials',
        loginUrl: double.url,
        clientId: 'relay-client',
        clientSecret: 'relay-client-secret-value',
      },
    });
    outbox = new OutboxRepository(store);
    logs = new LogCapture();
    sink = new OutboxAuditSink(
      store,
      outbox,
      clock,
      (orgId) => tenants.auditsViews(orgId),
      createLogger('info', logs),
    );
    client = new SalesforceAuditClient({
      credentials: (orgId) => tenants.salesforceAuth(orgId),
      namespace: (orgId) => tenants.namespace(orgId),
      upstream: new UpstreamGuard({ allowPrivate: true }),
      timeoutMs: 2_000,
      now: () => Date.now(),
      logger: createLogger('info', logs),
    });
    drainer = newDrainer();
  });
  afterEach(async () => {
    await drainer.stop();
    await store.close();
  });

  it('when 450 events are drained then each arrives once in three calls with the mapped fields', async () => {
    const ids = requestIds(450);
    await recordAll(ids);
    while ((await drainer.drainOnce()).calls > 0);
    expect(deliveredIds().sort()).toEqual(ids);
    expect(double.countCalls('upsert')).toBe(3);
    expect(double.calls.filter((c) => c.kind === 'upsert').map((c) => c.records)).toEqual([
      200, 200, 50,
    ]);
    expect(double.countCalls('token')).toBe(1);
    expect(double.records(OBJECT)[0]).toMatchObject({
      Request_Id__c: 'req-000000',
      Operation__c: 'Create',
      Outcome__c: 'Success',
      Acting_User__c: '0055g00000AbCdEFGH',
      Issue_Key__c: 'SUP-42',
      Fields_Sent__c: 'summary\ndescription\npriority',
      Jira_Status__c: 201,
      Duration_Ms__c: 184,
      Occurred_At__c: '2026-11-28T10:15:30.123Z',
    });
    expect(await outbox.stats()).toEqual({ pending: 0, parked: 0, oldestPendingCreatedAt: null });
  });

  it('when a second event comes with an already queued request id then it is kept under a fresh id, logged as an error and counted', async () => {
    await sink.record(auditEvent('dup-1'));
    await store.transaction(async (tx) => {
      await sink.record(auditEvent('dup-1', { operation: 'Comment', outcome: 'Failed' }), tx);
    });
    await drainer.drainOnce();

    const delivered = double.records(OBJECT);
    expect(delivered).toHaveLength(2);
    const first = delivered.find((r) => r.Request_Id__c === 'dup-1');
    const second = delivered.find((r) => r.Request_Id__c !== 'dup-1');
    expect(first).toMatchObject({ Operation__c: 'Create', Outcome__c: 'Success' });
    expect(second).toMatchObject({ Operation__c: 'Comment', Outcome__c: 'Failed' });
    expect(String(second?.Request_Id__c)).toMatch(/^[0-9a-f-]{36}$/);

    const collision = logs.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => String(line.msg).startsWith('audit event id collision'));
    expect(collision).toMatchObject({
      level: 50,
      requestId: 'dup-1',
      keptAs: second?.Request_Id__c,
      operation: 'Comment',
    });
    const registry = new Registry();
    sink.registerMetrics(registry);
    expect(await registry.metrics()).toMatch(
      /relay_audit_event_id_collisions_total\{operation="Comment"\} 1/,
    );
  });

  it('when the operation transaction rolls back then its audit event is gone too', async () => {
    await expect(
      store.transaction(async (tx) => {
        await sink.record(auditEvent('rolled-back'), tx);
        throw new Error('operation failed after recording');
      }),
    ).rejects.toThrow('operation failed');
    expect((await outbox.stats()).pending).toBe(0);
  });

  it('when views are not audited for the tenant then only mutations and denials are queued', async () => {
    await sink.record(auditEvent('view-ok', { operation: 'View' }));
    await sink.record(auditEvent('view-denied', { operation: 'View', outcome: 'Denied' }));
    await sink.record(auditEvent('comment', { operation: 'Comment' }));
    expect((await outbox.list({ limit: 10 })).map((e) => e.requestId).sort()).toEqual([
      'comment',
      'view-denied',
    ]);
    await tenants.setAuditViews(AUDIT_ORG_ID, true);
    await sink.record(auditEvent('view-ok-2', { operation: 'View' }));
    expect((await outbox.list({ limit: 10 })).map((e) => e.requestId)).toContain('view-ok-2');
  });

  it.each([
    ['unavailable (503)', { kind: 'unavailable' } as const, 'SERVER_UNAVAILABLE'],
    ['over its API limit', { kind: 'request_limit' } as const, 'REQUEST_LIMIT_EXCEEDED'],
    ['unreachable', { kind: 'reset' } as const, 'ECONNRESET'],
  ])(
    'when Salesforce is %s then the tenant backs off with jitter and nothing is lost',
    async (_name, fault, code) => {
      // A session exists already: the fault hits the data call, not the login.
      await recordAll(['warm-up']);
      await drainer.drainOnce();
      const ids = requestIds(250);
      await recordAll(ids);
      double.fault = fault;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 1, failedCalls: 1 });
      // Backing off: the next pass does not call Salesforce again for this tenant.
      now += 100;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 0 });
      const [first] = await outbox.list({ limit: 1 });
      expect(first?.lastError?.code).toBe(code);
      expect(first?.status).toBe('pending');
      // Base 1 s, equal jitter at 0.5: the first retry is due 750 ms after the failure.
      now += 650;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 1, failedCalls: 1 });
      now += 1_400; // second failure: 1.5 s
      expect(await drainer.drainOnce()).toMatchObject({ calls: 0 });
      now += 200;
      double.fault = { kind: 'none' };
      while ((await drainer.drainOnce()).calls > 0);
      expect(deliveredIds().sort()).toEqual([...ids, 'warm-up']);
      expect([...double.upsertsByExternalId.values()].every((n) => n === 1)).toBe(true);
      expect(logs.text).toContain(code);
    },
  );

  it('when the session has expired then the client re-authenticates exactly once and delivers', async () => {
    await recordAll(requestIds(10, 'a'));
    await drainer.drainOnce();
    expect(double.countCalls('token')).toBe(1);
    double.expireSessions();
    await recordAll(requestIds(10, 'b'));
    await drainer.drainOnce();
    expect(double.countCalls('token')).toBe(2);
    expect(double.countCalls('upsert', (c) => c.status === 401)).toBe(1);
    expect(deliveredIds()).toHaveLength(20);
  });

  it('when one record has a value Salesforce rejects then it is parked and the rest are delivered', async () => {
    const ids = requestIds(20);
    await store.transaction(async (tx) => {
      for (const id of ids)
        await sink.record(
          auditEvent(id, id === 'req-000007' ? { recordId: '5005g00000Q1w2eAAB-not-an-id' } : {}),
          tx,
        );
    });
    expect(await drainer.drainOnce()).toMatchObject({ calls: 1, delivered: 19, parked: 1 });
    expect(deliveredIds()).toHaveLength(19);
    const parked = await outbox.list({ status: 'parked', limit: 10 });
    expect(parked).toEqual([
      expect.objectContaining({
        requestId: 'req-000007',
        status: 'parked',
        attempts: 1,
        lastError: {
          code: 'STRING_TOO_LONG',
          message: expect.stringContaining('max length=18'),
          fields: ['Record_Id__c'],
        },
      }),
    ]);
    expect((await outbox.stats()).parked).toBe(1);
    // Parked events do not block: new events go out on the next pass.
    await recordAll(['after-1']);
    expect(await drainer.drainOnce()).toMatchObject({ calls: 1, delivered: 1 });
    // An operator re-queues it; it is sent again (and, still wrong, parked again).
    expect(await outbox.retryParked({ orgId: AUDIT_ORG_ID }, now)).toBe(1);
    expect((await outbox.stats()).pending).toBe(1);
    expect(await drainer.drainOnce()).toMatchObject({ calls: 1, parked: 1 });
    expect((await outbox.list({ status: 'parked', limit: 1 }))[0]?.attempts).toBe(2);
  });

  it('when a drainer dies holding a claim then the events are sent after the lease runs out', async () => {
    await recordAll(requestIds(5));
    const lost = await outbox.claim(AUDIT_ORG_ID, 200, now, 1_000);
    expect(lost.events).toHaveLength(5);
    expect(await drainer.drainOnce()).toMatchObject({ calls: 0 });
    now += 1_001;
    expect(await drainer.drainOnce()).toMatchObject({ calls: 1, delivered: 5 });
  });

  it('when two drainers run at once then every event is sent exactly once', async () => {
    const ids = requestIds(1_000);
    await recordAll(ids);
    const other = newDrainer();
    const run = async (d: OutboxDrainer) => {
      while ((await d.drainOnce()).calls > 0);
    };
    await Promise.all([run(drainer), run(other)]);
    expect(deliveredIds().sort()).toEqual(ids);
    expect([...double.upsertsByExternalId.values()].every((n) => n === 1)).toBe(true);
    expect(double.countCalls('upsert')).toBe(5);
  });

  it('when delivered events are purged then only old delivered rows go', async () => {
    await recordAll(requestIds(3));
    await drainer.drainOnce();
    await recordAll(['still-pending']);
    expect(await outbox.purgeDelivered(now + 1)).toBe(3);
    expect((await outbox.list({ limit: 10 })).map((e) => e.requestId)).toEqual(['still-pending']);
  });

  it('when the drainer runs in the background then recorded events arrive without a manual pass', async () => {
    drainer.start();
    await recordAll(requestIds(30));
    drainer.wake();
    await waitFor(() => deliveredIds().length === 30);
    await drainer.stop();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
