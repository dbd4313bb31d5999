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
  const vaultOf = (on: Store) =>
    new Vault(on, new Envelope([{ kid: 'k1', key: Buffer.alloc(32, 3) }]), clock);
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

  // One store per engine (a PostgreSQL database and its migration per test would be most of
  // the file's time, and mutation testing runs it per mutant); each test starts from an empty
  // outbox, fresh caches and the tenant's default settings.
  beforeAll(async () => {
    now = 1_800_000_000_000;
    double = await SalesforceDouble.start();
    double.registerClientCredentials('relay-client', 'relay-client-secret-value');
    store = openStore(await freshStoreLocation(engine));
    await store.migrate();
    await new TenantService(store, vaultOf(store), clock).add({
      orgId: AUDIT_ORG_ID,
      name: 'Acme',
      salesforceAuth: {
        type: 'client_credentials',
        loginUrl: double.url,
        clientId: 'relay-client',
        clientSecret: 'relay-client-secret-value',
      },
    });
  });
  afterAll(async () => {
    await store.close();
    await double.stop();
  });

  beforeEach(async () => {
    now = 1_800_000_000_000;
    double.data.clear();
    double.calls.length = 0;
    double.upsertsByExternalId.clear();
    double.fault = { kind: 'none' };
    double.hiddenFields.clear();
    double.readOnlyFields.clear();
    await store.db.deleteFrom('audit_outbox').execute();
    tenants = new TenantService(store, vaultOf(store), clock);
    await tenants.setAuditViews(AUDIT_ORG_ID, false);
    outbox = new OutboxRepository(store);
    logs = new LogCapture();
    sink = new OutboxAuditSink(
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

  it('when 450 events without a transaction arrive in one turn then they are written by three INSERTs and each is kept once', async () => {
    const writes: number[] = [];
    const enqueueAll = outbox.enqueueAll.bind(outbox);
    outbox.enqueueAll = (entries, db) => {
      writes.push(entries.length);
      return enqueueAll(entries, db);
    };
    const ids = requestIds(450);
    await Promise.all(ids.map((id) => sink.record(auditEvent(id))));

    expect(writes).toEqual([200, 200, 50]);
    expect((await outbox.stats()).pending).toBe(450);
    while ((await drainer.drainOnce()).calls > 0);
    expect(deliveredIds().sort()).toEqual(ids);
  });

  it('when two events of one turn share a request id then the first keeps it and the second is kept under a fresh id', async () => {
    await Promise.all([
      sink.record(auditEvent('same-turn')),
      sink.record(auditEvent('same-turn', { operation: 'Comment', outcome: 'Failed' })),
      // Another tenant may use the same request id: not a collision.
      sink.record(auditEvent('same-turn', { orgId: '00D000000000002AAA' })),
    ]);
    const rows = await store.db
      .selectFrom('audit_outbox')
      .select(['org_id', 'request_id', 'operation'])
      .execute();
    expect(rows).toHaveLength(3);
    expect(
      rows.filter((r) => r.request_id === 'same-turn').map((r) => [r.org_id, r.operation]),
    ).toEqual([
      [AUDIT_ORG_ID, 'Create'],
      ['00D000000000002AAA', 'Create'],
    ]);
    const keptAs = rows.find((r) => r.operation === 'Comment')?.request_id;
    expect(keptAs).toMatch(/^[0-9a-f-]{36}$/);
    expect(logs.lines.join('\n')).toContain(`"keptAs":"${keptAs}"`);
  });

  it('when the batch INSERT fails then every event of the turn is told, and the next turn writes again', async () => {
    const enqueueAll = outbox.enqueueAll.bind(outbox);
    outbox.enqueueAll = () => Promise.reject(new Error('disk full'));
    const failed = await Promise.allSettled([
      sink.record(auditEvent('lost-1')),
      sink.record(auditEvent('lost-2')),
    ]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    outbox.enqueueAll = enqueueAll;
    await sink.record(auditEvent('kept'));
    expect(
      (await store.db.selectFrom('audit_outbox').select('request_id').execute()).map(
        (r) => r.request_id,
      ),
    ).toEqual(['kept']);
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

  it('when the org hides a field from the integration user then each batch is parked with the reason, not retried forever', async () => {
    double.hiddenFields.add('Duration_Ms__c');
    await recordAll(requestIds(30));
    expect(await drainer.drainOnce()).toMatchObject({
      calls: 1,
      delivered: 0,
      parked: 30,
      failedCalls: 0,
    });
    const parked = await outbox.list({ status: 'parked', limit: 100 });
    expect(parked).toHaveLength(30);
    expect(parked[0]?.lastError).toEqual({
      code: 'INVALID_FIELD',
      message: expect.stringContaining("No such column 'Duration_Ms__c'"),
      fields: ['Duration_Ms__c'],
    });
    // Nothing is left to retry, and the tenant is not backed off: the next batch is tried at once.
    expect(await drainer.drainOnce()).toMatchObject({ calls: 0 });
    await recordAll(['later-1']);
    expect(await drainer.drainOnce()).toMatchObject({ calls: 1, parked: 1 });
    const registry = new Registry();
    drainer.registerMetrics(registry);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/relay_audit_outbox_parked 31\b/);
    expect(metrics).toMatch(/relay_audit_outbox_parked_by_reason\{code="INVALID_FIELD"\} 31\b/);
    expect(logs.text).toContain('Duration_Ms__c');

    // The admin fixes field-level security and re-queues: every event arrives, once.
    double.hiddenFields.clear();
    expect(await outbox.retryParked({ orgId: AUDIT_ORG_ID }, now)).toBe(31);
    while ((await drainer.drainOnce()).calls > 0);
    expect(deliveredIds().sort()).toEqual([...requestIds(30), 'later-1'].sort());
    expect([...double.upsertsByExternalId.values()].every((n) => n === 1)).toBe(true);
    expect((await outbox.stats()).parked).toBe(0);
  });

  it('when the org makes a field read-only then each record is refused and parked with the field named', async () => {
    double.readOnlyFields.add('Fields_Sent__c');
    await recordAll(requestIds(5));
    expect(await drainer.drainOnce()).toMatchObject({ calls: 1, parked: 5, failedCalls: 0 });
    expect((await outbox.list({ status: 'parked', limit: 1 }))[0]?.lastError).toEqual({
      code: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      message: expect.stringContaining('Unable to create/update fields: Fields_Sent__c'),
      fields: ['Fields_Sent__c'],
    });
  });

  it('when a stored event cannot be mapped to a record then it alone is parked and its batch is delivered', async () => {
    await store.transaction(async (tx) => {
      await sink.record(auditEvent('good-1'), tx);
      await sink.record(auditEvent('bad-date', { occurredAt: 'not a date' }), tx);
      await sink.record(auditEvent('good-2'), tx);
    });
    expect(await drainer.drainOnce()).toMatchObject({ calls: 1, delivered: 2, parked: 1 });
    expect(await outbox.list({ status: 'parked', limit: 10 })).toEqual([
      expect.objectContaining({
        requestId: 'bad-date',
        lastError: expect.objectContaining({ code: 'UNREADABLE_EVENT' }),
      }),
    ]);
  });

  it('when delivered events pass the retention then the drainer purges them, at most once per interval, and keeps pending and parked ones', async () => {
    const day = 86_400_000;
    drainer = newDrainer({ retentionMs: 30 * day, purgeIntervalMs: 60_000 });
    const registry = new Registry();
    drainer.registerMetrics(registry);
    await recordAll(requestIds(3, 'old'));
    await drainer.drainOnce();
    now += 10 * day;
    await recordAll(requestIds(2, 'young'));
    await store.transaction((tx) =>
      sink.record(auditEvent('parked-1', { recordId: 'x'.repeat(30) }), tx),
    );
    await drainer.drainOnce();
    double.fault = { kind: 'unavailable' };
    await recordAll(['pending-1']);
    await drainer.drainOnce();
    expect(await drainer.purgeExpired()).toBe(0);

    now += 20 * day + 1; // the first three are 30 days and 1 ms past delivery
    expect(await drainer.purgeExpired()).toBe(3);
    const left = await outbox.list({ status: ['pending', 'parked', 'delivered'], limit: 100 });
    expect(left.map((e) => e.requestId).sort()).toEqual(
      ['parked-1', 'pending-1', ...requestIds(2, 'young')].sort(),
    );
    expect(await registry.metrics()).toMatch(/relay_audit_outbox_purged_total 3\b/);

    now += 10 * day - 30_000; // the young ones are 30 s short of their retention
    expect(await drainer.purgeExpired()).toBe(0);
    now += 30_000; // now past it, but the last look was 30 s ago
    expect(await drainer.purgeExpired()).toBe(0);
    now += 30_000;
    expect(await drainer.purgeExpired()).toBe(2);
    expect(
      (await outbox.list({ status: ['pending', 'parked', 'delivered'], limit: 100 }))
        .map((e) => e.requestId)
        .sort(),
    ).toEqual(['parked-1', 'pending-1']);
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
