import type { AuditEvent } from '../../src/audit/audit-event';
import { OutboxRepository } from '../../src/audit/outbox-repository';
import { OutboxAuditSink } from '../../src/audit/outbox-sink';
import { createLogger } from '../../src/lib/logger';
import { openStore, type Store } from '../../src/store/store';
import { AUDIT_ORG_ID, auditEvent } from '../support/audit-events';
import { LogCapture } from '../support/relay';
import { ENGINES, freshStoreLocation } from '../support/stores';

/**
 * The audit sink on a real store, without a tenant service: which events it keeps, the request
 * ids it refuses, and what a collision leaves behind.
 */
const OTHER_ORG = '00D000000000002AAA';
const T0 = 1_800_000_000_000;

describe.each(ENGINES)('the outbox audit sink on %s', (engine) => {
  let store: Store;
  let outbox: OutboxRepository;
  let logs: LogCapture;
  let viewsAudited: Set<string>;
  let sink: OutboxAuditSink;

  const stored = async () =>
    (await outbox.list({ status: ['pending', 'parked', 'delivered'], limit: 100 })).map(
      (e) => `${e.orgId}/${e.requestId}/${e.operation}`,
    );
  const sinkOn = (repository: OutboxRepository) =>
    new OutboxAuditSink(
      repository,
      { now: () => T0 },
      (orgId) => Promise.resolve(viewsAudited.has(orgId)),
      createLogger('info', logs),
    );

  beforeAll(async () => {
    store = openStore(await freshStoreLocation(engine));
    await store.migrate();
    outbox = new OutboxRepository(store);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await store.db.deleteFrom('audit_outbox').execute();
    logs = new LogCapture();
    viewsAudited = new Set();
    sink = sinkOn(outbox);
  });

  it('when a request id is empty or longer than 64 characters then the event is refused, saying why', async () => {
    await expect(sink.record(auditEvent(''))).rejects.toThrow(
      'audit event request id must be 1–64 characters (got 0)',
    );
    await expect(sink.record(auditEvent('x'.repeat(65)))).rejects.toThrow(
      'audit event request id must be 1–64 characters (got 65)',
    );
    await expect(
      store.transaction((tx) => sink.record(auditEvent(`a${'y'.repeat(64)}`), tx)),
    ).rejects.toThrow('(got 65)');
    expect(await stored()).toEqual([]);
  });

  it('when a request id has 1 to 64 characters, any characters, then the event is kept', async () => {
    const ids = ['1', 'x'.repeat(64), 'line\nbreak', '\u{1F600}'.repeat(64)];
    for (const id of ids) await sink.record(auditEvent(id));
    expect((await stored()).sort()).toEqual(ids.map((id) => `${AUDIT_ORG_ID}/${id}/Create`).sort());
    const row = await store.db
      .selectFrom('audit_outbox')
      .select(['event', 'created_at', 'available_at'])
      .where('request_id', '=', '1')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      event: JSON.stringify(auditEvent('1')),
      created_at: T0,
      available_at: T0,
    });
  });

  it('when views are audited for one tenant then only its views are kept, and denials always', async () => {
    viewsAudited.add(OTHER_ORG);
    await sink.record(auditEvent('v1', { operation: 'View' }));
    await sink.record(auditEvent('v2', { operation: 'View', orgId: OTHER_ORG }));
    await sink.record(auditEvent('v3', { operation: 'View', outcome: 'Denied' }));
    await sink.record(auditEvent('v4', { operation: 'View', outcome: 'Failed' }));
    await sink.record(auditEvent('c1', { operation: 'Comment', outcome: 'Denied' }));
    await sink.record(auditEvent('t1', { operation: 'Transition', outcome: 'Failed' }));
    expect((await stored()).sort()).toEqual(
      [
        `${OTHER_ORG}/v2/View`,
        `${AUDIT_ORG_ID}/v3/View`,
        `${AUDIT_ORG_ID}/c1/Comment`,
        `${AUDIT_ORG_ID}/t1/Transition`,
      ].sort(),
    );
  });

  it('when an event collides in a transaction then it is kept under a fresh id in that transaction, and the collision is logged in full', async () => {
    await sink.record(auditEvent('dup'));
    await store.transaction(async (tx) => {
      await sink.record(auditEvent('dup', { operation: 'Transition', outcome: 'Denied' }), tx);
    });
    const rows = await stored();
    expect(rows).toHaveLength(2);
    const keptAs = rows.find((r) => r.endsWith('/Transition'))?.split('/')[1];
    expect(keptAs).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(logs.lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      expect.objectContaining({
        level: 50,
        msg: 'audit event id collision: an event with this request id was already queued; this one is kept under a fresh id',
        requestId: 'dup',
        keptAs,
        orgId: AUDIT_ORG_ID,
        operation: 'Transition',
        outcome: 'Denied',
      }),
    ]);
    expect(await sink.has(auditEvent('dup'))).toBe(true);
    expect(await sink.has(auditEvent(keptAs as string))).toBe(true);
    expect(await sink.has(auditEvent('dup', { orgId: OTHER_ORG }))).toBe(false);
  });

  it('when the fresh id collides too then the event is not dropped silently: record fails', async () => {
    const full = new OutboxRepository(store);
    full.enqueue = () => Promise.resolve(false);
    full.enqueueAll = (entries) => Promise.resolve(entries.map(() => false));
    const refusing = sinkOn(full);
    await expect(refusing.record(auditEvent('a'))).rejects.toThrow(
      /^audit event [0-9a-f-]{36} collided twice$/,
    );
    await expect(
      store.transaction((tx) => refusing.record(auditEvent('b') as AuditEvent, tx)),
    ).rejects.toThrow(/collided twice/);
  });
});
