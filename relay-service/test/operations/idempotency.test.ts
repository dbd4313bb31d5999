import { openStore, type Store } from '../../src/store/store';
import { IdempotencyStore, requestFingerprint } from '../../src/operations/idempotency';
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
    ).rejects.toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', status: 409 });
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
});
