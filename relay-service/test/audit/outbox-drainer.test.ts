import { Registry } from 'prom-client';
import type { AuditDelivery, DeliveryOutcome } from '../../src/audit/audit-delivery';
import type { AuditEvent } from '../../src/audit/audit-event';
import { OutboxDrainer, type DrainerSettings } from '../../src/audit/outbox-drainer';
import { OutboxRepository } from '../../src/audit/outbox-repository';
import { createLogger } from '../../src/lib/logger';
import type { StoreLocation } from '../../src/config/config';
import { openStore, type Store } from '../../src/store/store';
import { AUDIT_ORG_ID, auditEvent, requestIds } from '../support/audit-events';
import { LogCapture } from '../support/relay';
import { ENGINES, freshStoreLocation } from '../support/stores';

/**
 * The drainer on a real store with an in-process delivery double: what each answer of the
 * delivery does to the outbox (delivered, parked, retried, backed off), the lease that stands
 * in for a crashed holder, two drainers on one store, linger, retention, metrics and shutdown.
 * Time is the injected clock (and, for the shutdown bound, a pinned Date.now); nothing waits
 * on a real timer except the background loop's own turns.
 */
const OTHER_ORG = '00D000000000002AAA';
const T0 = 1_800_000_000_000;
const HOUR = 3_600_000;
const SETTINGS: DrainerSettings = {
  batchSize: 200,
  pollIntervalMs: HOUR,
  leaseMs: 60_000,
  backoffBaseMs: 1_000,
  backoffMaxMs: 8_000,
  random: () => 0.5,
};

interface Sent {
  requestId: string;
}
type Answer = (orgId: string, ids: string[]) => DeliveryOutcome[] | Promise<DeliveryOutcome[]>;
const salesforceIdOf = (requestId: string) => `a00${requestId}`.slice(0, 18);
const accepted = (_orgId: string, ids: string[]): DeliveryOutcome[] =>
  ids.map((id) => ({ success: true, id: salesforceIdOf(id), created: true }));
const callError = (code: unknown, message: string) => Object.assign(new Error(message), { code });

/** Records every call; answers with `answer` (accepts all by default). */
class DeliveryDouble implements AuditDelivery<Sent> {
  maxRecordsPerCall = 200;
  readonly calls: { orgId: string; ids: string[] }[] = [];
  answer: Answer = accepted;
  toRecord(event: AuditEvent): Sent {
    if (event.occurredAt === 'error') throw new Error('Invalid time value');
    if (event.occurredAt === 'string') throw 'not an Error';
    return { requestId: event.requestId };
  }
  async upsertAuditRecords(orgId: string, records: Sent[]): Promise<DeliveryOutcome[]> {
    const ids = records.map((r) => r.requestId);
    this.calls.push({ orgId, ids });
    return this.answer(orgId, ids);
  }
  get sent(): string[] {
    return this.calls.flatMap((c) => c.ids);
  }
}

/** A promise and the functions that settle it. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

// Each test takes well under a second; a drainer that never stops or never wakes (a mutant of
// the loop or of stop) fails in 8 s instead of at the mutation run's timeout, which costs a
// minute and a restarted test runner.
jest.setTimeout(8_000);

describe.each(ENGINES)('the outbox drainer on %s', (engine) => {
  let location: StoreLocation;
  let store: Store;
  let outbox: OutboxRepository;
  let delivery: DeliveryDouble;
  let logs: LogCapture;
  let now: number;
  const clock = { now: () => now };
  const drainers: OutboxDrainer<Sent>[] = [];

  const newDrainer = (
    settings: Partial<DrainerSettings> = {},
    repository: OutboxRepository = outbox,
  ) => {
    const drainer = new OutboxDrainer(repository, delivery, clock, createLogger('info', logs), {
      ...SETTINGS,
      ...settings,
    });
    drainers.push(drainer);
    return drainer;
  };
  const enqueue = async (ids: string[], overrides: Partial<AuditEvent> = {}) => {
    for (const id of ids) await outbox.enqueue(auditEvent(id, overrides), now);
  };
  const entry = async (requestId: string, orgId = AUDIT_ORG_ID) =>
    (await outbox.list({ orgId, limit: 1_000 })).find((e) => e.requestId === requestId);
  const logLines = () => logs.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const logged = (msg: string) => logLines().filter((line) => line.msg === msg);
  const metricsOf = async (drainer: OutboxDrainer<Sent>) => {
    const registry = new Registry();
    drainer.registerMetrics(registry);
    return registry.metrics();
  };

  beforeAll(async () => {
    location = await freshStoreLocation(engine);
    store = openStore(location);
    await store.migrate();
    outbox = new OutboxRepository(store);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    now = T0;
    delivery = new DeliveryDouble();
    logs = new LogCapture();
    await store.db.deleteFrom('audit_outbox').execute();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    for (const drainer of drainers.splice(0)) await drainer.stop();
  });

  describe('one pass', () => {
    it('when events are due then each call carries at most the smaller of the batch size and the delivery limit, oldest first', async () => {
      await enqueue(requestIds(5));
      const drainer = newDrainer({ batchSize: 2 });
      expect(await drainer.drainOnce()).toEqual({
        calls: 1,
        delivered: 2,
        parked: 0,
        failedCalls: 0,
      });
      expect(delivery.calls).toEqual([{ orgId: AUDIT_ORG_ID, ids: requestIds(2) }]);
      delivery.maxRecordsPerCall = 1;
      await drainer.drainOnce();
      expect(delivery.calls.map((c) => c.ids)).toEqual([requestIds(2), ['req-000002']]);
      delivery.maxRecordsPerCall = 200;
      expect(await newDrainer().drainOnce()).toMatchObject({ calls: 1, delivered: 2 });
      expect(delivery.sent).toEqual(requestIds(5));
    });

    it('when Salesforce accepts the records then each event is delivered with its record id and the time of the answer', async () => {
      await enqueue(['d1', 'd2']);
      delivery.answer = (orgId, ids) => {
        now += 40;
        return accepted(orgId, ids);
      };
      const drainer = newDrainer();
      await drainer.drainOnce();
      expect(await entry('d1')).toMatchObject({
        status: 'delivered',
        salesforceId: salesforceIdOf('d1'),
        deliveredAt: new Date(T0 + 40).toISOString(),
        attempts: 1,
      });
      expect(await entry('d2')).toMatchObject({ salesforceId: salesforceIdOf('d2') });
      expect(await drainer.drainOnce()).toEqual({
        calls: 0,
        delivered: 0,
        parked: 0,
        failedCalls: 0,
      });
      const metrics = await metricsOf(drainer);
      expect(metrics).toMatch(/^relay_audit_outbox_events_total\{result="delivered"\} 2$/m);
      expect(metrics).not.toMatch(/result="parked"|result="retried"/);
      expect(metrics).toMatch(/^relay_audit_outbox_send_duration_seconds_count\{result="ok"\} 1$/m);
      for (const le of ['0.05', '1', '30', '\\+Inf'])
        expect(metrics).toMatch(
          new RegExp(
            `^relay_audit_outbox_send_duration_seconds_bucket\\{le="${le}",result="ok"\\} `,
            'm',
          ),
        );
      expect(logs.lines).toEqual([]);
    });

    it('when calls are sent then their latency is observed in seconds, by result', async () => {
      // A pinned monotonic clock: the first call takes 0.25 s, the second (failing) 3 s.
      let monotonic = 5_000_000_000n;
      jest.spyOn(process.hrtime, 'bigint').mockImplementation(() => monotonic);
      await enqueue(['l1']);
      await enqueue(['l2'], { orgId: OTHER_ORG });
      delivery.answer = (orgId, ids) => {
        if (orgId === OTHER_ORG) {
          monotonic += 3_000_000_000n;
          throw callError('SERVER_UNAVAILABLE', 'down');
        }
        monotonic += 250_000_000n;
        return accepted(orgId, ids);
      };
      const drainer = newDrainer();
      await drainer.drainOnce();
      const metrics = await metricsOf(drainer);
      const sample = (name: string, result: string, le?: string) =>
        new RegExp(
          `^relay_audit_outbox_send_duration_seconds_${name}\\{${le ? `le="${le}",` : ''}result="${result}"\\} ([0-9.]+)$`,
          'm',
        ).exec(metrics)?.[1];
      expect(sample('sum', 'ok')).toBe('0.25');
      expect(sample('bucket', 'ok', '0.1')).toBe('0');
      expect(sample('bucket', 'ok', '0.25')).toBe('1');
      expect(sample('sum', 'failed')).toBe('3');
      expect(sample('bucket', 'failed', '2.5')).toBe('0');
      expect(sample('bucket', 'failed', '5')).toBe('1');
    });

    it('when records are answered one by one then the accepted are delivered, the busy retried after the base delay and the rejected parked with their reasons', async () => {
      await enqueue(['ok', 'locked', 'slow', 'rejected', 'silent']);
      delivery.answer = (_orgId, ids) =>
        ids.map((id): DeliveryOutcome => {
          switch (id) {
            case 'locked':
              return {
                success: false,
                errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked', fields: [] }],
              };
            case 'slow':
              return {
                success: false,
                errors: [
                  { statusCode: 'REQUEST_RUNNING_TOO_LONG', message: 'slow', fields: [] },
                  { statusCode: 'STRING_TOO_LONG', message: 'second', fields: ['X__c'] },
                ],
              };
            case 'rejected':
              return {
                success: false,
                errors: [
                  { statusCode: 'STRING_TOO_LONG', message: 'too long', fields: ['Record_Id__c'] },
                  { statusCode: 'INVALID_OR_NULL', message: 'bad', fields: ['A__c', 'B__c'] },
                ],
              };
            case 'silent':
              return { success: false, errors: [] };
            default:
              return { success: true, id: salesforceIdOf(id), created: true };
          }
        });
      const drainer = newDrainer();
      expect(await drainer.drainOnce()).toEqual({
        calls: 1,
        delivered: 1,
        parked: 2,
        failedCalls: 0,
      });
      expect(await entry('ok')).toMatchObject({ status: 'delivered' });
      for (const id of ['locked', 'slow'])
        expect(await entry(id)).toMatchObject({
          status: 'pending',
          attempts: 1,
          nextAttemptAt: new Date(T0 + 1_000).toISOString(),
          lastError: { code: 'RETRY', message: 'Salesforce asked to retry these records.' },
        });
      expect(await entry('rejected')).toMatchObject({
        status: 'parked',
        attempts: 1,
        lastError: {
          code: 'STRING_TOO_LONG',
          message: 'too long; bad',
          fields: ['Record_Id__c', 'A__c', 'B__c'],
        },
      });
      expect(await entry('silent')).toMatchObject({
        status: 'parked',
        lastError: { code: 'UNKNOWN', message: 'rejected without a reason', fields: [] },
      });
      expect(
        logged('audit events rejected by Salesforce were parked; fix and run outbox retry'),
      ).toEqual([
        expect.objectContaining({
          level: 40,
          orgId: AUDIT_ORG_ID,
          parked: [
            {
              requestId: 'rejected',
              code: 'STRING_TOO_LONG',
              fields: ['Record_Id__c', 'A__c', 'B__c'],
            },
            { requestId: 'silent', code: 'UNKNOWN', fields: [] },
          ],
        }),
      ]);
      const metrics = await metricsOf(drainer);
      expect(metrics).toMatch(/^relay_audit_outbox_events_total\{result="delivered"\} 1$/m);
      expect(metrics).toMatch(/^relay_audit_outbox_events_total\{result="parked"\} 2$/m);
      expect(metrics).toMatch(/^relay_audit_outbox_events_total\{result="retried"\} 2$/m);

      // The tenant is not backed off: the busy records go again once the base delay is over.
      delivery.answer = accepted;
      now += 999;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 0 });
      now += 1;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 1, delivered: 2 });
      expect(delivery.calls[1]?.ids).toEqual(['locked', 'slow']);
    });

    it('when stored events cannot be read or mapped then they alone are parked, each with its reason, and the rest are sent', async () => {
      await enqueue(['good-1']);
      await enqueue(['bad-error'], { occurredAt: 'error' });
      await enqueue(['bad-string'], { occurredAt: 'string' });
      await enqueue(['good-2']);
      await store.db
        .updateTable('audit_outbox')
        .set({ event: '{"requestId":' })
        .where('request_id', '=', 'good-2')
        .execute();
      const drainer = newDrainer();
      expect(await drainer.drainOnce()).toEqual({
        calls: 1,
        delivered: 1,
        parked: 3,
        failedCalls: 0,
      });
      expect(delivery.calls).toEqual([{ orgId: AUDIT_ORG_ID, ids: ['good-1'] }]);
      expect((await entry('good-2'))?.lastError).toEqual({
        code: 'UNREADABLE_EVENT',
        message: 'The stored event is not valid JSON.',
      });
      expect((await entry('bad-error'))?.lastError).toEqual({
        code: 'UNREADABLE_EVENT',
        message: 'The stored event cannot be mapped to an audit record: Invalid time value',
      });
      expect((await entry('bad-string'))?.lastError).toEqual({
        code: 'UNREADABLE_EVENT',
        message: 'The stored event cannot be mapped to an audit record: not an Error',
      });
      expect((await entry('bad-string'))?.status).toBe('parked');
    });

    it('when nothing of a claim can be sent then Salesforce is not called', async () => {
      await enqueue(['bad-1', 'bad-2'], { occurredAt: 'error' });
      expect(await newDrainer().drainOnce()).toEqual({
        calls: 0,
        delivered: 0,
        parked: 2,
        failedCalls: 0,
      });
      expect(delivery.calls).toEqual([]);
    });
  });

  describe('whole-call failures', () => {
    it('when the call fails then its events wait with the reason, the tenant backs off, and the failure is logged and counted', async () => {
      await enqueue(['f1', 'f2']);
      await enqueue(['o1'], { orgId: OTHER_ORG });
      delivery.answer = (orgId, ids) => {
        if (orgId === OTHER_ORG) return accepted(orgId, ids);
        throw callError('SERVER_UNAVAILABLE', 'Service Unavailable');
      };
      const drainer = newDrainer();
      expect(await drainer.drainOnce()).toEqual({
        calls: 2,
        delivered: 1,
        parked: 0,
        failedCalls: 1,
      });
      expect(await entry('f1')).toMatchObject({
        status: 'pending',
        attempts: 1,
        // Base 1 s, equal jitter at 0.5: 750 ms.
        nextAttemptAt: new Date(T0 + 750).toISOString(),
        lastError: { code: 'SERVER_UNAVAILABLE', message: 'Service Unavailable' },
      });
      expect(await entry('o1', OTHER_ORG)).toMatchObject({ status: 'delivered' });
      expect(logged('audit write-back failed: Service Unavailable')).toEqual([
        expect.objectContaining({
          level: 40,
          orgId: AUDIT_ORG_ID,
          code: 'SERVER_UNAVAILABLE',
          events: 2,
          retryInMs: 750,
        }),
      ]);
      const metrics = await metricsOf(drainer);
      expect(metrics).toMatch(/^relay_audit_outbox_events_total\{result="retried"\} 2$/m);
      expect(metrics).toMatch(
        /^relay_audit_outbox_send_duration_seconds_count\{result="failed"\} 1$/m,
      );
      expect(metrics).not.toMatch(/result="parked"/);

      // Backing off until exactly then, even with a new event of that tenant due now.
      await enqueue(['f3']);
      now = T0 + 749;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 0 });
      now = T0 + 750;
      delivery.answer = accepted;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 1, delivered: 3 });
    });

    it.each([
      [
        'an error with a code',
        callError('REQUEST_LIMIT_EXCEEDED', 'Limit'),
        'REQUEST_LIMIT_EXCEEDED',
        'Limit',
      ],
      ['a coded object that is not an Error', { code: 'ECONNRESET' }, 'ECONNRESET', 'ECONNRESET'],
      [
        'an error whose code is not a string',
        callError(503, 'Status 503'),
        'INTERNAL',
        'Status 503',
      ],
      ['an error without a code', new Error('socket hang up'), 'INTERNAL', 'socket hang up'],
      ['something else', 'a string', 'INTERNAL', 'a string'],
      ['nothing', undefined, 'INTERNAL', 'undefined'],
      ['null', null, 'INTERNAL', 'null'],
    ])(
      'when the call fails with %s then the events keep its code and message',
      async (_name, thrown, code, message) => {
        await enqueue(['e1']);
        delivery.answer = () => Promise.reject(thrown);
        await newDrainer().drainOnce();
        expect((await entry('e1'))?.lastError).toEqual({ code, message });
      },
    );

    it('when calls keep failing then the backoff doubles up to its maximum, spread by the jitter, and a success resets it', async () => {
      let random = 0;
      const drainer = newDrainer({ random: () => random });
      await enqueue(['b1']);
      delivery.answer = () => {
        throw callError('SERVER_UNAVAILABLE', 'down');
      };
      const delays: number[] = [];
      const failOnce = async () => {
        expect(await drainer.drainOnce()).toMatchObject({ calls: 1, failedCalls: 1 });
        const next = Date.parse((await entry('b1'))?.nextAttemptAt ?? '');
        delays.push(next - now);
        now = next;
      };
      // Equal jitter: half the ceiling, plus up to the other half.
      for (const r of [0, 0, 0, 0.5, 0.999, 0]) {
        random = r;
        await failOnce();
      }
      expect(delays).toEqual([500, 1_000, 2_000, 6_000, 7_996, 4_000]);

      delivery.answer = accepted;
      expect(await drainer.drainOnce()).toMatchObject({ delivered: 1 });
      await enqueue(['b2']);
      delivery.answer = () => {
        throw callError('SERVER_UNAVAILABLE', 'down');
      };
      random = 0;
      await drainer.drainOnce();
      expect(Date.parse((await entry('b2'))?.nextAttemptAt ?? '') - now).toBe(500);
    });

    it.each([
      [
        'INVALID_FIELD',
        "No such column 'Duration_Ms__c' on sobject of type Jira_Audit_Event__c",
        { fields: ['Duration_Ms__c'] },
      ],
      ['INVALID_FIELD_FOR_INSERT_UPDATE', 'Unable to create/update fields: Fields_Sent__c', {}],
    ])(
      'when the org refuses a field of the record (%s) then the batch is parked with the reason, and the tenant is not backed off',
      async (code, message, fields) => {
        await enqueue(['r1', 'r2']);
        delivery.answer = () => {
          throw callError(code, message);
        };
        const drainer = newDrainer();
        expect(await drainer.drainOnce()).toEqual({
          calls: 1,
          delivered: 0,
          parked: 2,
          failedCalls: 0,
        });
        for (const id of ['r1', 'r2'])
          expect(await entry(id)).toMatchObject({
            status: 'parked',
            lastError: { code, message, ...fields },
          });
        expect((await entry('r1'))?.lastError).toEqual({ code, message, ...fields });
        expect(
          logged(
            'the org refused a field of the audit record; the batch was parked: fix the field (package version, field-level security) and run outbox retry',
          ),
        ).toEqual([
          expect.objectContaining({
            level: 40,
            orgId: AUDIT_ORG_ID,
            code,
            events: 2,
            ...fields,
          }),
        ]);
        const metrics = await metricsOf(drainer);
        expect(metrics).toMatch(/^relay_audit_outbox_events_total\{result="parked"\} 2$/m);
        expect(metrics).not.toMatch(/result="retried"/);
        await enqueue(['r3']);
        expect(await drainer.drainOnce()).toMatchObject({ calls: 1, parked: 1 });
      },
    );
  });

  describe('leases and concurrent drainers', () => {
    it('when the holder of a claim never marks it then the events are sent once its lease has run out, and only then', async () => {
      await enqueue(requestIds(3));
      // A drainer that claimed and died: nothing ever marks its claim.
      const lost = await outbox.claim(AUDIT_ORG_ID, 200, now, SETTINGS.leaseMs);
      expect(lost.events).toHaveLength(3);
      const drainer = newDrainer();
      now += SETTINGS.leaseMs - 1;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 0 });
      now += 1;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 1, delivered: 3 });
      expect(delivery.sent).toEqual(requestIds(3));
      // The dead holder's claim can no longer park what was delivered.
      await outbox.park(lost, [{ requestId: 'req-000000', error: { code: 'X', message: 'x' } }]);
      expect((await entry('req-000000'))?.status).toBe('delivered');
    });

    it('when a drainer is still sending as its lease runs out then another drainer sends the claim again and the first answer cannot undo that', async () => {
      await enqueue(['slow-1']);
      const first = deferred<DeliveryOutcome[]>();
      delivery.answer = () => first.promise;
      const stuck = newDrainer({ leaseMs: 1_000 }).drainOnce();
      await waitFor(() => delivery.calls.length === 1);
      delivery.answer = accepted;
      now += 1_000;
      expect(await newDrainer({ leaseMs: 1_000 }).drainOnce()).toMatchObject({ delivered: 1 });
      first.resolve([
        { success: false, errors: [{ statusCode: 'X', message: 'late', fields: [] }] },
      ]);
      await stuck;
      expect(await entry('slow-1')).toMatchObject({ status: 'delivered', lastError: null });
    });

    it('when two drainers on two connections to one store run at once then every event is sent exactly once', async () => {
      const second = openStore(location);
      try {
        const ids = requestIds(40);
        await enqueue(ids);
        await enqueue(requestIds(40, 'other'), { orgId: OTHER_ORG });
        delivery.answer = async (orgId, sent) => {
          await nextTurn();
          return accepted(orgId, sent);
        };
        const a = newDrainer({ batchSize: 7 });
        const b = newDrainer({ batchSize: 7 }, new OutboxRepository(second));
        const run = async (drainer: OutboxDrainer<Sent>) => {
          while ((await drainer.drainOnce()).calls > 0);
        };
        await Promise.all([run(a), run(b), run(a), run(b)]);
        expect([...delivery.sent].sort()).toEqual([...ids, ...requestIds(40, 'other')].sort());
        expect(delivery.calls.every((c) => c.ids.length <= 7)).toBe(true);
        expect(await outbox.stats()).toEqual({
          pending: 0,
          parked: 0,
          oldestPendingCreatedAt: null,
        });
      } finally {
        await second.close();
      }
    });
  });

  describe('linger', () => {
    it('when a tenant has less than a batch then it waits for the linger, unless the batch is full or the pass flushes', async () => {
      const drainer = newDrainer({ batchSize: 3, lingerMs: 1_000 });
      await enqueue(['l1', 'l2']);
      now += 999;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 0 });
      now += 1;
      expect(await drainer.drainOnce()).toMatchObject({ calls: 1, delivered: 2 });

      await enqueue(['f1', 'f2', 'f3']);
      expect(await drainer.drainOnce()).toMatchObject({ calls: 1, delivered: 3 });

      await enqueue(['p1']);
      expect(await drainer.drainOnce()).toMatchObject({ calls: 0 });
      expect(await drainer.drainOnce({ flush: true })).toMatchObject({ calls: 1, delivered: 1 });
    });

    it('when there is no linger then a due event is sent at once, even one created by a clock ahead of this one', async () => {
      // Created by an instance whose clock is 10 s ahead, parked, and retried by an operator
      // whose clock is not: due now, though its creation time is still to come here.
      now = T0 + 10_000;
      await enqueue(['ahead']);
      await store.db.updateTable('audit_outbox').set({ status: 'parked' }).execute();
      now = T0;
      expect(await outbox.retryParked({}, now)).toBe(1);
      expect(await newDrainer({ batchSize: 3, lingerMs: 0 }).drainOnce()).toMatchObject({
        calls: 1,
        delivered: 1,
      });
    });
  });

  describe('retention', () => {
    const deliverOne = async (id: string) => {
      await enqueue([id]);
      await newDrainer().drainOnce();
    };

    it('when no retention is set then nothing is purged, nor asked of the store', async () => {
      await deliverOne('kept');
      now += 1_000 * HOUR;
      // Without the check, the cut-off would be NaN: SQLite finds no row older than it and
      // PostgreSQL refuses it on every pass.
      const purges = jest.spyOn(outbox, 'purgeDelivered');
      expect(await newDrainer().purgeExpired({ force: true })).toBe(0);
      expect(purges).not.toHaveBeenCalled();
      expect((await entry('kept'))?.status).toBe('delivered');
    });

    it('when the retention has passed then delivered events go, at most once per purge interval (10 minutes by default) unless forced, and each purge is logged', async () => {
      const drainer = newDrainer({ retentionMs: HOUR });
      await deliverOne('d1');
      now += HOUR + 1;
      expect(await drainer.purgeExpired()).toBe(1);
      expect(logged('delivered audit events purged')).toEqual([
        expect.objectContaining({ level: 30, purged: 1, retentionMs: HOUR }),
      ]);
      const lastLook = now;
      // Delivered long enough ago, but looked for less than 10 minutes ago.
      now = lastLook - HOUR - 5;
      await deliverOne('d2');
      now = lastLook + 10 * 60_000 - 1;
      expect(await drainer.purgeExpired()).toBe(0);
      now += 1;
      expect(await drainer.purgeExpired()).toBe(1);
      // Forced, the interval does not count.
      const forcedLook = now;
      now = forcedLook - HOUR - 5;
      await deliverOne('d3');
      now = forcedLook + 1;
      expect(await drainer.purgeExpired({ force: true })).toBe(1);
      expect(logged('delivered audit events purged')).toHaveLength(3);
      // Nothing to purge: nothing logged or counted.
      expect(await drainer.purgeExpired({ force: true })).toBe(0);
      expect(logged('delivered audit events purged')).toHaveLength(3);
      expect(await metricsOf(drainer)).toMatch(/^relay_audit_outbox_purged_total 3$/m);
    });

    it('when the purge interval is set then a purge happens again once exactly that long has passed', async () => {
      const drainer = newDrainer({ retentionMs: 1_000, purgeIntervalMs: 5_000 });
      expect(await drainer.purgeExpired()).toBe(0);
      await deliverOne('i1');
      now += 4_999;
      expect(await drainer.purgeExpired()).toBe(0);
      now += 1;
      expect(await drainer.purgeExpired()).toBe(1);
    });
  });

  describe('metrics', () => {
    it('when /metrics is read then the gauges show the outbox as it is now', async () => {
      const drainer = newDrainer();
      const registry = new Registry();
      drainer.registerMetrics(registry);
      expect(await registry.metrics()).toMatch(
        /^relay_audit_outbox_oldest_pending_age_seconds 0$/m,
      );
      await enqueue(['p1', 'p2']);
      now += 2_500;
      await enqueue(['p3']);
      await store.db
        .updateTable('audit_outbox')
        .set({ status: 'parked', last_error: JSON.stringify({ code: 'A_CODE', message: 'a' }) })
        .where('request_id', '=', 'p3')
        .execute();
      now += 1_500;
      let metrics = await registry.metrics();
      expect(metrics).toMatch(/^relay_audit_outbox_pending 2$/m);
      expect(metrics).toMatch(/^relay_audit_outbox_parked 1$/m);
      expect(metrics).toMatch(/^relay_audit_outbox_oldest_pending_age_seconds 4$/m);
      expect(metrics).toMatch(/^relay_audit_outbox_parked_by_reason\{code="A_CODE"\} 1$/m);
      // A clock behind the oldest event (another instance's) does not make the age negative.
      now = T0 - 10_000;
      expect(await registry.metrics()).toMatch(
        /^relay_audit_outbox_oldest_pending_age_seconds 0$/m,
      );
      await outbox.retryParked({}, now);
      metrics = await registry.metrics();
      expect(metrics).toMatch(/^relay_audit_outbox_parked 0$/m);
      expect(metrics).not.toMatch(/parked_by_reason\{/);
    });
  });

  describe('the background loop', () => {
    it('when started twice then one loop runs, and waking it before a start does nothing', async () => {
      const drainer = newDrainer();
      drainer.wake();
      const passes = jest.spyOn(drainer, 'drainOnce');
      drainer.start();
      drainer.start();
      expect(passes).toHaveBeenCalledTimes(1);
      await drainer.stop();
    });

    it('when a pass leaves a tenant with more than a batch then the loop goes on at once, without waiting for the poll interval', async () => {
      await enqueue(requestIds(5));
      const drainer = newDrainer({ batchSize: 2 });
      drainer.start();
      await waitFor(() => delivery.sent.length === 5);
      expect(delivery.calls.map((c) => c.ids.length)).toEqual([2, 2, 1]);
      await drainer.stop();
    });

    it('when every call of a pass failed then the loop sleeps until woken instead of trying again at once', async () => {
      await enqueue(['f1']);
      delivery.answer = () => {
        throw callError('SERVER_UNAVAILABLE', 'down');
      };
      const drainer = newDrainer();
      const passes = jest.spyOn(drainer, 'drainOnce');
      const purges = jest.spyOn(drainer, 'purgeExpired');
      drainer.start();
      await waitFor(() => purges.mock.calls.length === 1);
      await purges.mock.results[0]?.value;
      await nextTurn();
      expect(passes).toHaveBeenCalledTimes(1);
      now += 750;
      delivery.answer = accepted;
      drainer.wake();
      await waitFor(() => delivery.sent.length === 2);
      await drainer.stop();
    });

    it('when a pass or a purge fails then the loop logs it and keeps going', async () => {
      const drainer = newDrainer({ retentionMs: HOUR });
      const dueTenants = jest
        .spyOn(outbox, 'dueTenants')
        .mockRejectedValueOnce(new Error('store unavailable'));
      jest.spyOn(outbox, 'purgeDelivered').mockRejectedValueOnce(new Error('purge refused'));
      drainer.start();
      await waitFor(() => logged('purge of delivered audit events failed').length === 1);
      // A failed pass is not a busy one: the loop sleeps its poll interval (an hour here)
      // instead of trying again at once.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(dueTenants).toHaveBeenCalledTimes(1);
      expect(logged('audit outbox pass failed')).toEqual([
        expect.objectContaining({
          level: 50,
          err: expect.objectContaining({ message: 'store unavailable' }),
        }),
      ]);
      expect(logged('purge of delivered audit events failed')).toEqual([
        expect.objectContaining({
          level: 40,
          err: expect.objectContaining({ message: 'purge refused' }),
        }),
      ]);
      await enqueue(['after']);
      drainer.wake();
      await waitFor(() => delivery.sent.length === 1);
      expect(dueTenants.mock.calls.length).toBeGreaterThanOrEqual(2);
      await drainer.stop();
    });

    it('when stopped during a pass then stop waits for the pass, and the loop neither sleeps nor runs again', async () => {
      await enqueue(['s1']);
      const answer = deferred<DeliveryOutcome[]>();
      delivery.answer = () => answer.promise;
      const drainer = newDrainer();
      const passes = jest.spyOn(drainer, 'drainOnce');
      drainer.start();
      await waitFor(() => delivery.calls.length === 1);
      let stopped = false;
      const stopping = drainer.stop().then(() => {
        stopped = true;
      });
      await nextTurn();
      expect(stopped).toBe(false);
      answer.resolve(accepted(AUDIT_ORG_ID, ['s1']));
      await stopping;
      expect((await entry('s1'))?.status).toBe('delivered');
      await enqueue(['s2']);
      drainer.wake();
      await nextTurn();
      await nextTurn();
      expect(passes).toHaveBeenCalledTimes(1);
    });

    it('when the loop sleeps then stop wakes it and returns', async () => {
      const drainer = newDrainer();
      const purges = jest.spyOn(drainer, 'purgeExpired');
      drainer.start();
      await waitFor(() => purges.mock.calls.length === 1);
      await purges.mock.results[0]?.value;
      await nextTurn();
      await drainer.stop();
      expect(purges).toHaveBeenCalledTimes(1);
    });
  });

  describe('shutdown flush', () => {
    let wallClock: number;
    const pinDateNow = () => {
      wallClock = 1_000_000;
      jest.spyOn(Date, 'now').mockImplementation(() => wallClock);
    };

    it('when stopped with a bound then what is due is sent, partial batches too, and nothing is logged', async () => {
      await enqueue(requestIds(5));
      const drainer = newDrainer({ batchSize: 2, lingerMs: HOUR });
      await drainer.stop({ flushWithinMs: 10_000 });
      expect(delivery.calls.map((c) => c.ids.length)).toEqual([2, 2, 1]);
      expect(logs.lines).toEqual([]);
    });

    it('when stopped without a bound then nothing is sent', async () => {
      await enqueue(requestIds(2));
      const drainer = newDrainer();
      await drainer.stop();
      await drainer.stop({ flushWithinMs: 0 });
      expect(delivery.calls).toEqual([]);
    });

    it('when the bound passes between passes then the flush stops there', async () => {
      pinDateNow();
      await enqueue(requestIds(5));
      // Each call takes 5 s of wall time: two calls reach the 10 s bound.
      delivery.answer = (orgId, ids) => {
        wallClock += 5_000;
        return accepted(orgId, ids);
      };
      const drainer = newDrainer({ batchSize: 1 });
      await drainer.stop({ flushWithinMs: 10_000 });
      expect(delivery.calls).toHaveLength(2);
    });

    it('when a call of the flush fails then the flush ends after that pass', async () => {
      pinDateNow();
      await enqueue(['f1']);
      now += 1;
      await enqueue(['o1', 'o2', 'o3'], { orgId: OTHER_ORG });
      delivery.answer = (orgId, ids) => {
        if (orgId === AUDIT_ORG_ID) throw callError('SERVER_UNAVAILABLE', 'down');
        return accepted(orgId, ids);
      };
      const drainer = newDrainer({ batchSize: 2 });
      await drainer.stop({ flushWithinMs: 10_000 });
      expect(delivery.calls.map((c) => c.orgId)).toEqual([AUDIT_ORG_ID, OTHER_ORG]);
      expect((await outbox.stats()).pending).toBe(2);
      expect(
        logged('audit flush cut at the shutdown bound; the rest is sent after restart'),
      ).toEqual([]);
    });

    it('when Salesforce does not answer within the bound then stop returns at the bound and says so', async () => {
      await enqueue(['late']);
      const answer = deferred<DeliveryOutcome[]>();
      delivery.answer = () => answer.promise;
      const drainer = newDrainer();
      await drainer.stop({ flushWithinMs: 20 });
      expect(
        logged('audit flush cut at the shutdown bound; the rest is sent after restart'),
      ).toEqual([expect.objectContaining({ level: 40, boundMs: 20 })]);
      expect((await entry('late'))?.status).toBe('pending');
      answer.resolve(accepted(AUDIT_ORG_ID, ['late']));
      await waitFor(async () => (await entry('late'))?.status === 'delivered');
    });

    it('when the flush itself fails then stop logs it and returns', async () => {
      jest.spyOn(outbox, 'dueTenants').mockRejectedValue(new Error('store gone'));
      await newDrainer().stop({ flushWithinMs: 10_000 });
      expect(logged('audit flush failed')).toEqual([
        expect.objectContaining({
          level: 40,
          err: expect.objectContaining({ message: 'store gone' }),
        }),
      ]);
    });
  });
});
