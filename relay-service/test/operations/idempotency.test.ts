import { createHash } from 'node:crypto';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { openStore, type Store } from '../../src/store/store';
import {
  IDEMPOTENCY_KEY_PATTERN,
  IdempotencyStore,
  requestFingerprint,
} from '../../src/operations/idempotency';
import { ENGINES, freshStoreLocation } from '../support/stores';

const ORG = '00D000000000001AAA';
const SCOPE = 'issues.create';

describe.each(ENGINES)('idempotency records on %s', (engine) => {
  let store: Store;
  let now: number;
  let records: IdempotencyStore;

  beforeEach(async () => {
    now = 1_800_000_000_000;
    store = openStore(await freshStoreLocation(engine));
    await store.migrate();
    records = new IdempotencyStore(
      store,
      { now: () => now },
      { leaseMs: 60_000, retentionMs: 3_600_000 },
    );
  });
  afterEach(() => store.close());

  it('when the same body is sent again after completion then the first answer is replayed', async () => {
    const fp = requestFingerprint({ a: 1, b: [1, 2] });
    expect(await records.begin(ORG, SCOPE, 'key-00000001', fp)).toEqual({ kind: 'started' });
    await records.complete(ORG, SCOPE, 'key-00000001', {
      status: 201,
      body: { issue: { key: 'SUP-1' } },
    });
    expect(
      await records.begin(ORG, SCOPE, 'key-00000001', requestFingerprint({ b: [1, 2], a: 1 })),
    ).toEqual({
      kind: 'replay',
      response: { status: 201, body: { issue: { key: 'SUP-1' } } },
    });
  });

  it('when another body uses the key then IDEMPOTENCY_CONFLICT is raised', async () => {
    await records.begin(ORG, SCOPE, 'key-00000002', requestFingerprint({ a: 1 }));
    await expect(
      records.begin(ORG, SCOPE, 'key-00000002', requestFingerprint({ a: 2 })),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
      status: 409,
      message:
        'This Idempotency-Key was already used for a different request. Use a new key for a new action.',
    });
  });

  it('when two attempts race on one key then exactly one starts and the other is told it is in flight', async () => {
    const fp = requestFingerprint({ a: 1 });
    const attempts = await Promise.allSettled([
      records.begin(ORG, SCOPE, 'key-00000003', fp),
      records.begin(ORG, SCOPE, 'key-00000003', fp),
    ]);
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const rejected = attempts.find((a) => a.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({
      code: 'IDEMPOTENCY_IN_FLIGHT',
      status: 409,
      retryAfter: expect.any(Number),
    });
  });

  it('when an attempt crashed and its lease ran out then one retry takes the key over as abandoned', async () => {
    const fp = requestFingerprint({ a: 1 });
    await records.begin(ORG, SCOPE, 'key-00000004', fp);
    now += 60_001;
    const retries = await Promise.allSettled([
      records.begin(ORG, SCOPE, 'key-00000004', fp),
      records.begin(ORG, SCOPE, 'key-00000004', fp),
    ]);
    expect(retries.filter((r) => r.status === 'fulfilled').map((r) => r.value)).toEqual([
      { kind: 'abandoned' },
    ]);
  });

  it('when an attempt is released then the same key runs again', async () => {
    const fp = requestFingerprint({ a: 1 });
    await records.begin(ORG, SCOPE, 'key-00000005', fp);
    await records.release(ORG, SCOPE, 'key-00000005');
    expect(await records.begin(ORG, SCOPE, 'key-00000005', fp)).toEqual({ kind: 'started' });
  });

  it('when the same key is used by another tenant or scope then they do not interfere', async () => {
    const fp = requestFingerprint({ a: 1 });
    await records.begin(ORG, SCOPE, 'key-00000006', fp);
    expect(
      await records.begin(
        '00D000000000002AAA',
        SCOPE,
        'key-00000006',
        requestFingerprint({ x: 1 }),
      ),
    ).toEqual({ kind: 'started' });
    expect(
      await records.begin(ORG, 'issues.bulk', 'key-00000006', requestFingerprint({ x: 1 })),
    ).toEqual({ kind: 'started' });
  });

  it('when retention ends then the record is purged and the key is new again', async () => {
    const fp = requestFingerprint({ a: 1 });
    await records.begin(ORG, SCOPE, 'key-00000007', fp);
    await records.complete(ORG, SCOPE, 'key-00000007', { status: 201, body: {} });
    now += 3_600_001;
    expect(await records.purgeExpired()).toBe(1);
    expect(
      await records.begin(ORG, SCOPE, 'key-00000007', requestFingerprint({ other: true })),
    ).toEqual({ kind: 'started' });
  });
  it('when a record is still within its retention then it is replayed until the last millisecond, then the key starts afresh', async () => {
    const fp = requestFingerprint({ a: 1 });
    await records.begin(ORG, SCOPE, 'key-00000008', fp);
    await records.complete(ORG, SCOPE, 'key-00000008', { status: 201, body: { n: 1 } });
    now += 3_600_000 - 1;
    expect(await records.begin(ORG, SCOPE, 'key-00000008', fp)).toMatchObject({ kind: 'replay' });
    now += 1;
    expect(await records.begin(ORG, SCOPE, 'key-00000008', fp)).toEqual({ kind: 'started' });
    // The key is in flight again, with a fresh lease and retention.
    await expect(records.begin(ORG, SCOPE, 'key-00000008', fp)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_IN_FLIGHT',
    });
    const row = await store.db
      .selectFrom('idempotency_records')
      .selectAll()
      .where('idempotency_key', '=', 'key-00000008')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      state: 'in_flight',
      response_status: null,
      response_body: null,
      lease_until: now + 60_000,
      created_at: now,
      expires_at: now + 3_600_000,
    });
  });

  it('when an attempt is in flight then a retry is told to wait for the rest of its lease, from 1 to 5 seconds', async () => {
    const fp = requestFingerprint({ a: 1 });
    await records.begin(ORG, SCOPE, 'key-00000009', fp);
    const retryAfter = async () =>
      records.begin(ORG, SCOPE, 'key-00000009', fp).then(
        () => 'started',
        (error: { code: string; retryAfter: number; detail: string }) => {
          expect(error.code).toBe('IDEMPOTENCY_IN_FLIGHT');
          expect(error.detail).toBe(
            'A request with this Idempotency-Key is still in progress; retry shortly.',
          );
          return error.retryAfter;
        },
      );
    expect(await retryAfter()).toBe(5);
    now += 60_000 - 2_500;
    expect(await retryAfter()).toBe(3);
    now += 2_000;
    expect(await retryAfter()).toBe(1);
    now += 499;
    expect(await retryAfter()).toBe(1);
    now += 1; // the lease ends now: the attempt is taken over
    expect(await records.begin(ORG, SCOPE, 'key-00000009', fp)).toEqual({ kind: 'abandoned' });
  });

  it('when an answer is stored or a key released then only that key of that tenant and scope changes', async () => {
    const fp = requestFingerprint({ a: 1 });
    const keys = [
      [ORG, SCOPE],
      ['00D000000000002AAA', SCOPE],
      [ORG, 'issues.bulk'],
    ] as const;
    for (const [org, scope] of keys) await records.begin(org, scope, 'key-00000010', fp);
    await records.begin(ORG, SCOPE, 'key-00000011', fp);
    await records.complete(ORG, SCOPE, 'key-00000010', { status: 201, body: { n: 1 } });
    await records.release('00D000000000002AAA', SCOPE, 'key-00000010');
    const states = await store.db
      .selectFrom('idempotency_records')
      .select(['org_id', 'scope', 'idempotency_key', 'state'])
      .orderBy('org_id')
      .orderBy('scope')
      .orderBy('idempotency_key')
      .execute();
    expect(states.map((r) => [r.org_id, r.scope, r.idempotency_key, r.state])).toEqual([
      [ORG, 'issues.bulk', 'key-00000010', 'in_flight'],
      [ORG, SCOPE, 'key-00000010', 'done'],
      [ORG, SCOPE, 'key-00000011', 'in_flight'],
    ]);
  });

  it('when a finished key is released then its answer stays and is still replayed', async () => {
    const fp = requestFingerprint({ a: 1 });
    await records.begin(ORG, SCOPE, 'key-00000012', fp);
    await records.complete(ORG, SCOPE, 'key-00000012', { status: 502, body: { problem: 'x' } });
    await records.release(ORG, SCOPE, 'key-00000012');
    expect(await records.begin(ORG, SCOPE, 'key-00000012', fp)).toEqual({
      kind: 'replay',
      response: { status: 502, body: { problem: 'x' } },
    });
  });

  it('when records are purged then only those past their retention go, and the count says how many', async () => {
    const fp = requestFingerprint({ a: 1 });
    await records.begin(ORG, SCOPE, 'key-00000013', fp);
    now += 1_000;
    await records.begin(ORG, SCOPE, 'key-00000014', fp);
    now += 3_600_000 - 1_000; // key-13 expires exactly now, key-14 in a second
    expect(await records.purgeExpired()).toBe(0);
    now += 1;
    expect(await records.purgeExpired()).toBe(1);
    const left = await store.db
      .selectFrom('idempotency_records')
      .select('idempotency_key')
      .execute();
    expect(left.map((r) => r.idempotency_key)).toEqual(['key-00000014']);
  });

  it('when a finished key outlives its retention but not the lease it was started with then it starts afresh', async () => {
    // Retention shorter than the lease: a finished key is judged by its retention alone.
    const shortLived = new IdempotencyStore(
      store,
      { now: () => now },
      { leaseMs: 60_000, retentionMs: 10_000 },
    );
    const fp = requestFingerprint({ a: 1 });
    await shortLived.begin(ORG, SCOPE, 'key-00000016', fp);
    await shortLived.complete(ORG, SCOPE, 'key-00000016', { status: 201, body: {} });
    now += 10_000;
    expect(await shortLived.begin(ORG, SCOPE, 'key-00000016', fp)).toEqual({ kind: 'started' });
  });

  it('when the record keeps vanishing between the insert and the read then begin tries three times and answers in flight', async () => {
    const fp = requestFingerprint({ a: 1 });
    await records.begin(ORG, SCOPE, 'key-00000017', fp);
    // A store on which every read of the record comes back empty, as if another instance
    // purged or released it each time right after this one's insert found it there.
    const kinds = new Map<unknown, RootOperationNode['kind']>();
    let inserts = 0;
    const vanishing: KyselyPlugin = {
      transformQuery({ node, queryId }: PluginTransformQueryArgs) {
        kinds.set(queryId, node.kind);
        if (node.kind === 'InsertQueryNode') inserts += 1;
        return node;
      },
      transformResult({ result, queryId }: PluginTransformResultArgs) {
        const read = kinds.get(queryId) === 'SelectQueryNode';
        return Promise.resolve(
          read ? ({ ...result, rows: [] } as QueryResult<UnknownRow>) : result,
        );
      },
    };
    const racing = new IdempotencyStore(
      Object.create(store, { db: { value: store.db.withPlugin(vanishing) } }) as Store,
      { now: () => now },
      { leaseMs: 60_000, retentionMs: 3_600_000 },
    );
    await expect(racing.begin(ORG, SCOPE, 'key-00000017', fp)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_IN_FLIGHT',
      retryAfter: 1,
    });
    expect(inserts).toBe(3);
  });

  describe('holding a key while a long attempt runs', () => {
    const LEASE = 60_000;
    const leaseOf = async (orgId: string, key: string) =>
      (
        await store.db
          .selectFrom('idempotency_records')
          .select('lease_until')
          .where('org_id', '=', orgId)
          .where('scope', '=', SCOPE)
          .where('idempotency_key', '=', key)
          .executeTakeFirstOrThrow()
      ).lease_until;
    /** Lets the renewal's store write finish (it runs after the interval fires). */
    const settle = async (until: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await until()); i += 1)
        await new Promise((resolve) => setTimeout(resolve, 10));
    };
    // Only the renewal interval is faked: the store and its driver keep their real timers.
    beforeEach(() => {
      jest.useFakeTimers({
        doNotFake: [
          'Date',
          'hrtime',
          'nextTick',
          'performance',
          'queueMicrotask',
          'setImmediate',
          'clearImmediate',
          'setTimeout',
          'clearTimeout',
        ],
      });
    });
    afterEach(() => jest.useRealTimers());

    it('when a third of the lease passes then the lease is renewed from now, for that key only', async () => {
      const fp = requestFingerprint({ a: 1 });
      await records.begin(ORG, SCOPE, 'key-00000018', fp);
      await records.begin('00D000000000002AAA', SCOPE, 'key-00000018', fp);
      await records.begin(ORG, 'issues.bulk', 'key-00000018', fp);
      await records.begin(ORG, SCOPE, 'key-00000019', fp);
      const started = now;
      await records.holdWhile(ORG, SCOPE, 'key-00000018', async () => {
        now += 50_000;
        jest.advanceTimersByTime(LEASE / 3);
        await settle(async () => (await leaseOf(ORG, 'key-00000018')) !== started + LEASE);
        expect(await leaseOf(ORG, 'key-00000018')).toBe(now + LEASE);
        // Past the first lease, the attempt still holds the key.
        now += 20_000;
        await expect(records.begin(ORG, SCOPE, 'key-00000018', fp)).rejects.toMatchObject({
          code: 'IDEMPOTENCY_IN_FLIGHT',
        });
      });
      expect(await leaseOf('00D000000000002AAA', 'key-00000018')).toBe(started + LEASE);
      expect(await leaseOf(ORG, 'key-00000019')).toBe(started + LEASE);
      const bulk = await store.db
        .selectFrom('idempotency_records')
        .select('lease_until')
        .where('scope', '=', 'issues.bulk')
        .executeTakeFirstOrThrow();
      expect(bulk.lease_until).toBe(started + LEASE);
    });

    it('when the attempt ends, or closes its key, then nothing is renewed any more', async () => {
      const fp = requestFingerprint({ a: 1 });
      await records.begin(ORG, SCOPE, 'key-00000020', fp);
      await records.begin(ORG, SCOPE, 'key-00000021', fp);
      const started = now;
      expect(await records.holdWhile(ORG, SCOPE, 'key-00000020', async () => 'done')).toBe('done');
      await records.holdWhile(ORG, SCOPE, 'key-00000021', async () => {
        await records.complete(ORG, SCOPE, 'key-00000021', { status: 201, body: {} });
        now += 50_000;
        jest.advanceTimersByTime(LEASE / 3);
        await new Promise((resolve) => setTimeout(resolve, 50));
      });
      now += 50_000;
      jest.advanceTimersByTime(10 * LEASE);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await leaseOf(ORG, 'key-00000020')).toBe(started + LEASE);
      expect(await leaseOf(ORG, 'key-00000021')).toBe(started + LEASE);
    });
  });

  it('when no options are given then a lease lasts two minutes and an answer a day', async () => {
    const defaults = new IdempotencyStore(store, { now: () => now });
    const fp = requestFingerprint({ a: 1 });
    await defaults.begin(ORG, SCOPE, 'key-00000015', fp);
    now += 2 * 60_000 - 1;
    await expect(defaults.begin(ORG, SCOPE, 'key-00000015', fp)).rejects.toMatchObject({
      code: 'IDEMPOTENCY_IN_FLIGHT',
    });
    now += 1;
    expect(await defaults.begin(ORG, SCOPE, 'key-00000015', fp)).toEqual({ kind: 'abandoned' });
    await defaults.complete(ORG, SCOPE, 'key-00000015', { status: 201, body: {} });
    now += 24 * 60 * 60_000 - 1; // retention runs from the takeover
    expect(await defaults.begin(ORG, SCOPE, 'key-00000015', fp)).toMatchObject({ kind: 'replay' });
    now += 1;
    expect(await defaults.begin(ORG, SCOPE, 'key-00000015', fp)).toEqual({ kind: 'started' });
  });
});

describe('request fingerprints', () => {
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

  it('when a body is fingerprinted then it is the SHA-256 of its JSON with keys sorted and undefined members left out', () => {
    expect(requestFingerprint({ b: 1, a: { d: [2, { z: null, y: 'x' }], c: undefined } })).toBe(
      sha256('{"a":{"d":[2,{"y":"x","z":null}]},"b":1}'),
    );
    expect(requestFingerprint({ B: 1, a: 2, _: 3 })).toBe(sha256('{"B":1,"_":3,"a":2}'));
    expect(requestFingerprint(undefined)).toBe(sha256('null'));
    expect(requestFingerprint('text')).toBe(sha256('"text"'));
  });

  it('when two bodies differ only in array order then their fingerprints differ', () => {
    expect(requestFingerprint({ a: [1, 2] })).not.toBe(requestFingerprint({ a: [2, 1] }));
  });

  it.each([
    ['key-0001', true],
    ['A_b.c:d-9', true],
    ['k'.repeat(255), true],
    ['key-001', false],
    ['k'.repeat(256), false],
    ['key 0001', false],
    ['key/0001', false],
    ['xkey-0001\n', false],
  ])('when the Idempotency-Key is %j then the pattern accepts it: %s', (key, ok) => {
    expect(IDEMPOTENCY_KEY_PATTERN.test(key)).toBe(ok);
  });
});
