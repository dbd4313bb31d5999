import pg from 'pg';
import type { KyselyPlugin } from 'kysely';
import type { StoreLocation } from '../../src/config/config';
import { OutboxRepository } from '../../src/audit/outbox-repository';
import { openStore, type Store } from '../../src/store/store';
import type { OutboxStatus } from '../../src/store/schema';
import { AUDIT_ORG_ID, auditEvent, requestIds } from '../support/audit-events';
import { ENGINES, freshStoreLocation } from '../support/stores';

/**
 * The outbox's statements on a real store, no Salesforce: what a claim takes and leases, what
 * each state change writes, and the queries behind `outbox list`, `outbox retry`, the retention
 * purge and /metrics. One store per engine; each test starts from an empty table.
 */
const OTHER_ORG = '00D000000000002AAA';
const T0 = 1_800_000_000_000;

describe.each(ENGINES)('the outbox repository on %s', (engine) => {
  let location: StoreLocation;
  let store: Store;
  let outbox: OutboxRepository;

  /** A row as the store holds it; enqueue writes the same, this one can say anything. */
  const insertRow = (
    requestId: string,
    row: Partial<{
      orgId: string;
      status: OutboxStatus;
      createdAt: number;
      availableAt: number;
      deliveredAt: number | null;
      event: string;
      lastError: string | null;
      attempts: number;
    }> = {},
  ) =>
    store.db
      .insertInto('audit_outbox')
      .values({
        org_id: row.orgId ?? AUDIT_ORG_ID,
        request_id: requestId,
        operation: 'Create',
        event: row.event ?? JSON.stringify(auditEvent(requestId)),
        status: row.status ?? 'pending',
        attempts: row.attempts ?? 0,
        available_at: row.availableAt ?? row.createdAt ?? T0,
        claim_token: null,
        last_error: row.lastError ?? null,
        salesforce_id: null,
        created_at: row.createdAt ?? T0,
        delivered_at: row.deliveredAt ?? null,
      })
      .execute();
  const rowOf = (requestId: string, orgId = AUDIT_ORG_ID) =>
    store.db
      .selectFrom('audit_outbox')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('request_id', '=', requestId)
      .executeTakeFirstOrThrow();
  const enqueueIds = async (ids: string[], at = T0) => {
    for (const id of ids) expect(await outbox.enqueue(auditEvent(id), at)).toBe(true);
  };

  beforeAll(async () => {
    location = await freshStoreLocation(engine);
    store = openStore(location);
    await store.migrate();
    outbox = new OutboxRepository(store);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await store.db.deleteFrom('audit_outbox').execute();
  });
  afterEach(() => jest.restoreAllMocks());

  describe('enqueue', () => {
    it('when events are queued then each is a pending row due at once, and a request id the tenant has is refused', async () => {
      expect(await outbox.enqueue(auditEvent('a'), T0)).toBe(true);
      expect(await outbox.enqueue(auditEvent('a', { operation: 'Comment' }), T0 + 5)).toBe(false);
      expect(await outbox.enqueue(auditEvent('a', { orgId: OTHER_ORG }), T0 + 5)).toBe(true);
      expect(await rowOf('a')).toEqual({
        org_id: AUDIT_ORG_ID,
        request_id: 'a',
        operation: 'Create',
        event: JSON.stringify(auditEvent('a')),
        status: 'pending',
        attempts: 0,
        available_at: T0,
        claim_token: null,
        last_error: null,
        salesforce_id: null,
        created_at: T0,
        delivered_at: null,
      });
    });

    it('when a list is queued then the answers follow its order: a repeat in the list or one already stored is not queued', async () => {
      await enqueueIds(['stored']);
      const answers = await outbox.enqueueAll([
        { event: auditEvent('x'), now: T0 + 1 },
        { event: auditEvent('stored'), now: T0 + 1 },
        { event: auditEvent('x', { operation: 'Comment' }), now: T0 + 2 },
        { event: auditEvent('x', { orgId: OTHER_ORG }), now: T0 + 3 },
        { event: auditEvent('y'), now: T0 + 4 },
      ]);
      expect(answers).toEqual([true, false, false, true, true]);
      expect(await rowOf('x')).toMatchObject({ operation: 'Create', created_at: T0 + 1 });
      expect(await rowOf('x', OTHER_ORG)).toMatchObject({ created_at: T0 + 3 });
      expect(await rowOf('y')).toMatchObject({ available_at: T0 + 4 });
    });

    it('when the tenant has an event then has answers for that tenant and that request id only', async () => {
      await enqueueIds(['known']);
      expect(await outbox.has(AUDIT_ORG_ID, 'known')).toBe(true);
      expect(await outbox.has(AUDIT_ORG_ID, 'unknown')).toBe(false);
      expect(await outbox.has(OTHER_ORG, 'known')).toBe(false);
    });
  });

  describe('claim', () => {
    it('when a tenant is claimed then its due pending events are leased oldest first, up to the limit, and nothing else', async () => {
      // Stored out of order: the claim sorts by creation time, then request id.
      await insertRow('m', { createdAt: T0 + 2 });
      await insertRow('late', { createdAt: T0 + 1, availableAt: T0 + 11 });
      await insertRow('b', { createdAt: T0 + 2 });
      await insertRow('z', { createdAt: T0 });
      await insertRow('a', { createdAt: T0 + 2 });
      await insertRow('c', { createdAt: T0 + 1 });
      await insertRow('parked', { status: 'parked', createdAt: T0 - 5 });
      await insertRow('delivered', { status: 'delivered', createdAt: T0 - 5 });
      await insertRow('other', { orgId: OTHER_ORG, createdAt: T0 - 5 });

      const claim = await outbox.claim(AUDIT_ORG_ID, 4, T0 + 10, 1_000);
      expect(claim.orgId).toBe(AUDIT_ORG_ID);
      expect(claim.token).toMatch(/^[0-9a-f-]{36}$/);
      expect(claim.events.map((e) => e.requestId)).toEqual(['z', 'c', 'a', 'b']);
      expect(claim.events[0]).toEqual({ requestId: 'z', event: auditEvent('z'), attempts: 0 });
      for (const id of ['z', 'c', 'a', 'b'])
        expect(await rowOf(id)).toMatchObject({
          status: 'pending',
          available_at: T0 + 1_010,
          claim_token: claim.token,
        });
      for (const id of ['m', 'late']) expect(await rowOf(id)).toMatchObject({ claim_token: null });

      // The leased rows are not due again until the lease ends; the rest are.
      const next = await outbox.claim(AUDIT_ORG_ID, 10, T0 + 11, 1_000);
      expect(next.events.map((e) => e.requestId)).toEqual(['late', 'm']);
      expect(next.token).not.toBe(claim.token);
      expect((await outbox.claim(AUDIT_ORG_ID, 10, T0 + 1_009, 1_000)).events).toEqual([]);
      const again = await outbox.claim(AUDIT_ORG_ID, 10, T0 + 1_010, 1_000);
      expect(again.events.map((e) => e.requestId)).toEqual(['z', 'c', 'a', 'b']);
    });

    it('when events were created in the same millisecond then they are claimed in request id order, whatever order they were stored in', async () => {
      const ids = ['e', 'b', 'd', 'a', 'c', 'f'];
      for (const id of ids) await insertRow(id);
      const claim = await outbox.claim(AUDIT_ORG_ID, 10, T0, 1_000);
      expect(claim.events.map((e) => e.requestId)).toEqual([...ids].sort());
    });

    it('when a stored event is not valid JSON then the claim hands it over without an event', async () => {
      await insertRow('broken', { event: '{"requestId":', attempts: 3 });
      const claim = await outbox.claim(AUDIT_ORG_ID, 10, T0, 1_000);
      expect(claim.events).toEqual([{ requestId: 'broken', event: undefined, attempts: 3 }]);
    });

    it('when the store answers a claim with more rows than its limit then the claim fails instead of sending them', async () => {
      await enqueueIds(requestIds(3));
      // A store that repeats every row it returns, as a re-run subquery could.
      const doubling: KyselyPlugin = {
        transformQuery: (args) => args.node,
        transformResult: (args) =>
          Promise.resolve({ ...args.result, rows: [...args.result.rows, ...args.result.rows] }),
      };
      const overshooting = new OutboxRepository({ ...store, db: store.db.withPlugin(doubling) });
      await expect(overshooting.claim(AUDIT_ORG_ID, 3, T0, 1_000)).rejects.toThrow(
        'claim overshot its limit (6 > 3)',
      );
      // Exactly the limit is fine (the failed claim's lease has run out).
      expect((await outbox.claim(AUDIT_ORG_ID, 3, T0 + 1_000, 1_000)).events).toHaveLength(3);
    });

    it('when two stores claim one tenant at once then no event is leased twice', async () => {
      const second = openStore(location);
      try {
        const ids = requestIds(60);
        await enqueueIds(ids);
        const repositories = [outbox, new OutboxRepository(second)];
        const claims = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            (repositories[i % 2] as OutboxRepository).claim(AUDIT_ORG_ID, 10, T0, 1_000),
          ),
        );
        const claimed = claims.flatMap((c) => c.events.map((e) => e.requestId));
        expect(claimed.sort()).toEqual(ids);
        expect(claims.every((c) => c.events.length === 10)).toBe(true);
      } finally {
        await second.close();
      }
    });

    if (engine === 'postgres')
      it('when another instance holds some due rows locked then a claim skips them instead of waiting', async () => {
        await enqueueIds(requestIds(6));
        const other = new pg.Client({
          connectionString: location.engine === 'postgres' ? location.url : '',
        });
        await other.connect();
        const waitingOnLocks = async () =>
          Number(
            (
              await other.query<{ n: string }>(
                `select count(*) as n from pg_stat_activity
                 where datname = current_database() and wait_event_type = 'Lock'`,
              )
            ).rows[0]?.n,
          );
        const holder = new pg.Client({
          connectionString: location.engine === 'postgres' ? location.url : '',
        });
        await holder.connect();
        try {
          await holder.query('begin');
          await holder.query(
            `select request_id from audit_outbox where request_id in ('req-000000', 'req-000001')
             for update`,
          );
          let settled = false;
          const claim = outbox.claim(AUDIT_ORG_ID, 10, T0, 1_000).finally(() => {
            settled = true;
          });
          // Either the claim answers, or it is seen waiting for the holder's locks.
          let blocked = false;
          while (!settled && !blocked) blocked = (await waitingOnLocks()) > 0;
          await holder.query('commit');
          const events = (await claim).events.map((e) => e.requestId);
          expect(blocked).toBe(false);
          expect(events).toEqual(requestIds(6).slice(2));
        } finally {
          await holder.end();
          await other.end();
        }
      });
  });

  describe('state changes', () => {
    it('when no event is marked, parked or handed back then no statement reaches the store', async () => {
      await enqueueIds(['e1']);
      const claim = await outbox.claim(AUDIT_ORG_ID, 10, T0, 1_000);
      const transactions = jest.spyOn(store, 'transaction');
      const updates = jest.spyOn(store.db, 'updateTable');
      await outbox.markDelivered(AUDIT_ORG_ID, [], T0);
      await outbox.park(claim, []);
      await outbox.release(claim, [], T0 + 5, { code: 'SERVER_UNAVAILABLE', message: 'x' });
      expect(transactions).not.toHaveBeenCalled();
      expect(updates).not.toHaveBeenCalled();
      expect(await rowOf('e1')).toMatchObject({ status: 'pending', claim_token: claim.token });
    });

    it('when events are marked delivered then they are final, even for a claim that has expired, and only pending ones change', async () => {
      await enqueueIds(['d1', 'd2', 'p1']);
      const claim = await outbox.claim(AUDIT_ORG_ID, 10, T0, 1_000);
      await outbox.release(claim, ['d1'], T0 + 5, { code: 'SERVER_UNAVAILABLE', message: 'x' });
      await outbox.park(claim, [{ requestId: 'p1', error: { code: 'BAD', message: 'bad' } }]);
      await outbox.claim(AUDIT_ORG_ID, 10, T0 + 5, 1_000);
      const updates = jest.spyOn(store.db, 'updateTable');
      await outbox.markDelivered(
        AUDIT_ORG_ID,
        [
          { requestId: 'd1', salesforceId: 'a005g000001AAAAAA1' },
          { requestId: 'd2', salesforceId: 'a005g000001AAAAAA2' },
          { requestId: 'p1', salesforceId: 'a005g000001AAAAAA3' },
          // A repeat of one request id in the same answer: the first is the one kept.
          { requestId: 'd1', salesforceId: 'a005g000001AAAAAA8' },
        ],
        T0 + 20,
      );
      expect(updates).toHaveBeenCalledTimes(1);
      updates.mockRestore();
      expect(await rowOf('d1')).toMatchObject({
        status: 'delivered',
        delivered_at: T0 + 20,
        salesforce_id: 'a005g000001AAAAAA1',
        claim_token: null,
        last_error: null,
        attempts: 2,
      });
      expect(await rowOf('d2')).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(await rowOf('p1')).toMatchObject({
        status: 'parked',
        salesforce_id: null,
        delivered_at: null,
        attempts: 1,
      });
      // Delivered twice (a resend after a lost answer) changes nothing.
      await outbox.markDelivered(
        AUDIT_ORG_ID,
        [{ requestId: 'd2', salesforceId: 'a005g000001AAAAAA9' }],
        T0 + 30,
      );
      expect(await rowOf('d2')).toMatchObject({
        salesforce_id: 'a005g000001AAAAAA2',
        delivered_at: T0 + 20,
        attempts: 1,
      });
      // Another tenant's event with the same request id is not touched.
      expect(await outbox.enqueue(auditEvent('d3', { orgId: OTHER_ORG }), T0)).toBe(true);
      await outbox.markDelivered(
        AUDIT_ORG_ID,
        [{ requestId: 'd3', salesforceId: 'a005g000001AAAAAA4' }],
        T0,
      );
      expect(await rowOf('d3', OTHER_ORG)).toMatchObject({ status: 'pending' });
    });

    it('when a full batch of 200 is marked delivered then each row gets its own Salesforce id', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => `full-${String(i).padStart(3, '0')}`);
      await outbox.enqueueAll(ids.map((id) => ({ event: auditEvent(id), now: T0 })));
      const salesforceIdOf = (i: number) => `a005g000001B${String(i).padStart(6, '0')}`;
      await outbox.markDelivered(
        AUDIT_ORG_ID,
        ids.map((requestId, i) => ({ requestId, salesforceId: salesforceIdOf(i) })),
        T0 + 1,
      );
      const rows = await store.db
        .selectFrom('audit_outbox')
        .select(['request_id', 'status', 'salesforce_id'])
        .where('request_id', 'like', 'full-%')
        .orderBy('request_id')
        .execute();
      expect(rows).toEqual(
        ids.map((id, i) => ({
          request_id: id,
          status: 'delivered',
          salesforce_id: salesforceIdOf(i),
        })),
      );
    });

    it('when events are parked then they keep the reason and leave the queue, but only under the claim that holds them', async () => {
      await enqueueIds(['p1', 'p2', 'p3']);
      const stale = await outbox.claim(AUDIT_ORG_ID, 10, T0, 1_000);
      const current = await outbox.claim(AUDIT_ORG_ID, 1, T0 + 1_000, 1_000);
      expect(current.events.map((e) => e.requestId)).toEqual(['p1']);
      const error = { code: 'STRING_TOO_LONG', message: 'too long', fields: ['Record_Id__c'] };
      await outbox.park(stale, [
        { requestId: 'p1', error },
        { requestId: 'p2', error },
      ]);
      expect(await rowOf('p1')).toMatchObject({ status: 'pending', claim_token: current.token });
      expect(await rowOf('p2')).toEqual(
        expect.objectContaining({
          status: 'parked',
          claim_token: null,
          last_error: JSON.stringify(error),
          attempts: 1,
        }),
      );
      expect(await rowOf('p3')).toMatchObject({ status: 'pending', claim_token: stale.token });
      await outbox.park(current, []);
      expect(await rowOf('p1')).toMatchObject({ status: 'pending', attempts: 0 });
    });

    it('when claimed events are released then the named ones of that claim are due at the given time with the error', async () => {
      await enqueueIds(['r1', 'r2', 'r3']);
      const claim = await outbox.claim(AUDIT_ORG_ID, 10, T0, 60_000);
      const error = { code: 'SERVER_UNAVAILABLE', message: 'down' };
      await outbox.release(claim, ['r1', 'r2'], T0 + 750, error);
      await outbox.release(claim, [], T0 + 1, error);
      await outbox.release({ ...claim, token: 'not-the-token' }, ['r3'], T0 + 1, error);
      for (const id of ['r1', 'r2'])
        expect(await rowOf(id)).toMatchObject({
          status: 'pending',
          available_at: T0 + 750,
          claim_token: null,
          last_error: JSON.stringify(error),
          attempts: 1,
        });
      expect(await rowOf('r3')).toMatchObject({
        available_at: T0 + 60_000,
        claim_token: claim.token,
        last_error: null,
        attempts: 0,
      });
      expect((await outbox.claim(AUDIT_ORG_ID, 10, T0 + 749, 1)).events).toEqual([]);
      expect(
        (await outbox.claim(AUDIT_ORG_ID, 10, T0 + 750, 1)).events.map((e) => e.requestId),
      ).toEqual(['r1', 'r2']);
    });

    it('when parked events are retried then the chosen ones are pending and due at the given time', async () => {
      for (const [id, orgId] of [
        ['a1', AUDIT_ORG_ID],
        ['a2', AUDIT_ORG_ID],
        ['a3', AUDIT_ORG_ID],
        ['o1', OTHER_ORG],
      ] as const)
        await insertRow(id, { orgId, status: 'parked', lastError: '{"code":"BAD","message":"b"}' });
      await insertRow('pending-1', { availableAt: T0 + 99 });
      await insertRow('delivered-1', { status: 'delivered', deliveredAt: T0 });

      expect(await outbox.retryParked({ orgId: AUDIT_ORG_ID, requestIds: ['a2'] }, T0 + 7)).toBe(1);
      expect(await rowOf('a2')).toMatchObject({
        status: 'pending',
        available_at: T0 + 7,
        claim_token: null,
      });
      expect(await outbox.retryParked({ requestIds: ['o1'] }, T0 + 8)).toBe(1);
      expect(await rowOf('o1', OTHER_ORG)).toMatchObject({ status: 'pending' });
      // An empty list of request ids means all of them, of that tenant only.
      await insertRow('o3', { orgId: OTHER_ORG, status: 'parked' });
      expect(await outbox.retryParked({ orgId: AUDIT_ORG_ID, requestIds: [] }, T0 + 9)).toBe(2);
      expect(await rowOf('a1')).toMatchObject({ status: 'pending', available_at: T0 + 9 });
      expect(await rowOf('o3', OTHER_ORG)).toMatchObject({ status: 'parked' });
      expect(await rowOf('pending-1')).toMatchObject({ available_at: T0 + 99 });
      expect(await rowOf('delivered-1')).toMatchObject({ status: 'delivered' });
      expect(await outbox.retryParked({ orgId: OTHER_ORG }, T0)).toBe(1);
      expect(await outbox.retryParked({}, T0)).toBe(0);

      await insertRow('o2', { orgId: OTHER_ORG, status: 'parked' });
      await insertRow('a4', { status: 'parked' });
      expect(await outbox.retryParked({}, T0)).toBe(2);
    });

    it('when delivered events are purged then only those delivered before the cut go', async () => {
      await insertRow('old', { status: 'delivered', createdAt: T0 - 50, deliveredAt: T0 - 1 });
      await insertRow('at-cut', { status: 'delivered', createdAt: T0 - 50, deliveredAt: T0 });
      await insertRow('old-parked', { status: 'parked', createdAt: T0 - 50 });
      await insertRow('old-pending', { createdAt: T0 - 50 });
      expect(await outbox.purgeDelivered(T0)).toBe(1);
      expect((await outbox.list({ limit: 10 })).map((e) => e.requestId).sort()).toEqual([
        'at-cut',
        'old-parked',
        'old-pending',
      ]);
      expect(await outbox.purgeDelivered(T0 + 1)).toBe(1);
    });
  });

  describe('reads', () => {
    it('when tenants have due events then they are named by their oldest due event first, up to the limit; batching names only full or lingering ones', async () => {
      const THIRD_ORG = '00D000000000003AAA';
      // The audit org's oldest event is the oldest of all, its newest the newest of all.
      await insertRow('a-old', { createdAt: T0 });
      await insertRow('a-new', { createdAt: T0 + 9 });
      await insertRow('b-1', { orgId: OTHER_ORG, createdAt: T0 + 2 });
      await insertRow('b-2', { orgId: OTHER_ORG, createdAt: T0 + 3 });
      await insertRow('c-1', { orgId: THIRD_ORG, createdAt: T0 + 5 });
      // Not due: delivered, parked, or leased until later.
      await insertRow('x-delivered', { orgId: THIRD_ORG, status: 'delivered', createdAt: T0 - 5 });
      await insertRow('x-parked', { orgId: THIRD_ORG, status: 'parked', createdAt: T0 - 4 });
      await insertRow('x-later', { orgId: THIRD_ORG, createdAt: T0 - 3, availableAt: T0 + 100 });

      const now = T0 + 10;
      expect(await outbox.dueTenants(now, 10)).toEqual([AUDIT_ORG_ID, OTHER_ORG, THIRD_ORG]);
      expect(await outbox.dueTenants(now, 1)).toEqual([AUDIT_ORG_ID]);
      expect(await outbox.dueTenants(T0 + 2, 10)).toEqual([AUDIT_ORG_ID, OTHER_ORG]);
      // Batching: three events make a full batch (the other org's); a tenant short of one is
      // due once its oldest event is at or before the cut-off (the audit org's, not its newest).
      await insertRow('b-3', { orgId: OTHER_ORG, createdAt: T0 + 4 });
      const batching = (lingerCutoff: number) => ({ fullBatch: 3, lingerCutoff });
      expect(await outbox.dueTenants(now, 10, batching(T0 + 1))).toEqual([AUDIT_ORG_ID, OTHER_ORG]);
      expect(await outbox.dueTenants(now, 10, batching(T0 - 1))).toEqual([OTHER_ORG]);
      expect(await outbox.dueTenants(now, 10, batching(T0 + 5))).toEqual([
        AUDIT_ORG_ID,
        OTHER_ORG,
        THIRD_ORG,
      ]);
    });

    it('when the outbox is listed then the filters apply, oldest first, and each entry says when, what and why', async () => {
      await insertRow('p-2', { createdAt: T0 + 2, availableAt: T0 + 500, attempts: 2 });
      await insertRow('p-1', {
        createdAt: T0 + 2,
        lastError: JSON.stringify({ code: 'SERVER_UNAVAILABLE', message: 'down' }),
      });
      await insertRow('parked-1', {
        status: 'parked',
        createdAt: T0 + 1,
        lastError: 'not json at all',
      });
      await insertRow('delivered-1', { status: 'delivered', createdAt: T0, deliveredAt: T0 + 9 });
      await insertRow('empty-error', { status: 'parked', createdAt: T0 + 3, lastError: '' });
      await insertRow('other-1', { orgId: OTHER_ORG, createdAt: T0 - 1 });

      const all = await outbox.list({ limit: 10 });
      expect(all.map((e) => e.requestId)).toEqual([
        'other-1',
        'delivered-1',
        'parked-1',
        'p-1',
        'p-2',
        'empty-error',
      ]);
      expect(all.find((e) => e.requestId === 'p-2')).toEqual({
        orgId: AUDIT_ORG_ID,
        requestId: 'p-2',
        operation: 'Create',
        status: 'pending',
        attempts: 2,
        createdAt: new Date(T0 + 2).toISOString(),
        nextAttemptAt: new Date(T0 + 500).toISOString(),
        deliveredAt: null,
        salesforceId: null,
        lastError: null,
      });
      expect(all.find((e) => e.requestId === 'p-1')?.lastError).toEqual({
        code: 'SERVER_UNAVAILABLE',
        message: 'down',
      });
      expect(all.find((e) => e.requestId === 'parked-1')).toMatchObject({
        nextAttemptAt: null,
        lastError: { code: 'UNKNOWN', message: 'not json at all' },
      });
      expect(all.find((e) => e.requestId === 'delivered-1')).toMatchObject({
        nextAttemptAt: null,
        deliveredAt: new Date(T0 + 9).toISOString(),
      });
      expect(all.find((e) => e.requestId === 'empty-error')?.lastError).toBeNull();

      expect((await outbox.list({ limit: 2 })).map((e) => e.requestId)).toEqual([
        'other-1',
        'delivered-1',
      ]);
      expect((await outbox.list({ status: 'parked', limit: 10 })).map((e) => e.requestId)).toEqual([
        'parked-1',
        'empty-error',
      ]);
      expect(
        (await outbox.list({ status: ['pending', 'delivered'], limit: 10 })).map(
          (e) => e.requestId,
        ),
      ).toEqual(['other-1', 'delivered-1', 'p-1', 'p-2']);
      expect(
        (await outbox.list({ status: 'pending', orgId: OTHER_ORG, limit: 10 })).map(
          (e) => e.requestId,
        ),
      ).toEqual(['other-1']);
    });

    it('when the outbox is counted then pending and parked events are counted apart, with the oldest pending one', async () => {
      expect(await outbox.stats()).toEqual({
        pending: 0,
        parked: 0,
        oldestPendingCreatedAt: null,
      });
      await insertRow('parked-old', { status: 'parked', createdAt: T0 - 100 });
      await insertRow('delivered-old', { status: 'delivered', createdAt: T0 - 200 });
      expect(await outbox.stats()).toEqual({
        pending: 0,
        parked: 1,
        oldestPendingCreatedAt: null,
      });
      await insertRow('p1', { createdAt: T0 + 5 });
      await insertRow('p2', { createdAt: T0 - 7, orgId: OTHER_ORG });
      await insertRow('p3', { createdAt: T0 });
      expect(await outbox.stats()).toEqual({
        pending: 3,
        parked: 1,
        oldestPendingCreatedAt: T0 - 7,
      });
    });

    it('when parked events are counted by reason then each error code is one count, whatever the message', async () => {
      expect(await outbox.parkedByCode()).toEqual(new Map());
      const error = (code: string, message: string) => JSON.stringify({ code, message });
      await insertRow('a', { status: 'parked', lastError: error('STRING_TOO_LONG', 'one') });
      await insertRow('b', { status: 'parked', lastError: error('STRING_TOO_LONG', 'two') });
      await insertRow('c', { status: 'parked', lastError: error('STRING_TOO_LONG', 'two') });
      await insertRow('d', { status: 'parked', lastError: error('INVALID_FIELD', 'x') });
      await insertRow('e', { status: 'parked', lastError: null });
      await insertRow('f', { status: 'pending', lastError: error('SERVER_UNAVAILABLE', 'x') });
      expect(await outbox.parkedByCode()).toEqual(
        new Map([
          ['STRING_TOO_LONG', 3],
          ['INVALID_FIELD', 1],
          ['UNKNOWN', 1],
        ]),
      );
    });
  });
});
