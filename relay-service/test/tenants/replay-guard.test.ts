import { openStore, type Store } from '../../src/store/store';
import { ReplayGuard } from '../../src/tenants/replay-guard';
import { ENGINES, freshStoreLocation } from '../support/stores';

const ORG_A = '00D000000000001AAA';
const ORG_B = '00D000000000002AAA';

/** Claims made in one event-loop turn, so the guard writes them as one group-committed batch. */
const claimAtOnce = (guard: ReplayGuard, claims: [orgId: string, nonce: string][]) =>
  Promise.all(claims.map(([orgId, nonce]) => guard.claim(orgId, nonce)));

describe.each(ENGINES)('the replay guard on %s', (engine) => {
  let store: Store;
  let now: number;
  const clock = { now: () => now };
  let guard: ReplayGuard;

  beforeEach(async () => {
    now = 1_800_000_000_000;
    store = openStore(await freshStoreLocation(engine));
    await store.migrate();
    guard = new ReplayGuard(store, clock);
  });
  afterEach(() => store.close());

  it('when a nonce repeats inside one batch then only its first claim wins', async () => {
    const results = await claimAtOnce(guard, [
      [ORG_A, 'nonce-aaaaaaaaaaaaa'],
      [ORG_A, 'nonce-bbbbbbbbbbbbb'],
      [ORG_A, 'nonce-aaaaaaaaaaaaa'],
      [ORG_A, 'nonce-ccccccccccccc'],
      [ORG_A, 'nonce-bbbbbbbbbbbbb'],
      [ORG_A, 'nonce-aaaaaaaaaaaaa'],
    ]);
    expect(results).toEqual([true, true, false, true, false, false]);
  });

  it('when the same nonce comes from two orgs in one batch then each org claims it once', async () => {
    const results = await claimAtOnce(guard, [
      [ORG_A, 'nonce-shared-000001'],
      [ORG_B, 'nonce-shared-000001'],
      [ORG_B, 'nonce-shared-000001'],
      [ORG_A, 'nonce-shared-000001'],
    ]);
    expect(results).toEqual([true, true, false, false]);
  });

  it('when one nonce is claimed 1,200 times at once (more than one INSERT) then exactly one claim wins', async () => {
    const results = await claimAtOnce(
      guard,
      Array.from({ length: 1200 }, () => [ORG_A, 'nonce-one-for-all-01'] as [string, string]),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results[0]).toBe(true);
  });

  it('when more claims arrive at once than one statement can bind then they are written 500 rows per INSERT and all are claimed', async () => {
    // 22,000 rows of 3 parameters: more than SQLite (32,766) or PostgreSQL (65,535) binds in one
    // statement.
    const inserts = jest.spyOn(store.db, 'insertInto');
    const results = await claimAtOnce(
      guard,
      Array.from(
        { length: 22_000 },
        (_, i) => [ORG_A, `nonce-many-${String(i).padStart(8, '0')}`] as [string, string],
      ),
    );
    expect(results.filter((claimed) => !claimed)).toEqual([]);
    expect(inserts).toHaveBeenCalledTimes(44);
  });

  it('when a nonce was claimed in an earlier batch then a later batch holding it twice claims nothing', async () => {
    expect(await guard.claim(ORG_A, 'nonce-earlier-00001')).toBe(true);
    expect(
      await claimAtOnce(guard, [
        [ORG_A, 'nonce-earlier-00001'],
        [ORG_A, 'nonce-fresh-0000001'],
        [ORG_A, 'nonce-earlier-00001'],
      ]),
    ).toEqual([false, true, false]);
  });

  it('when a claim is written then its row lives twice the signature window, then it is purged', async () => {
    await guard.claim(ORG_A, 'nonce-retention-0001');
    const row = await store.db
      .selectFrom('replay_nonces')
      .selectAll()
      .where('nonce', '=', 'nonce-retention-0001')
      .executeTakeFirstOrThrow();
    expect(Number(row.expires_at)).toBe(now + 600_000);
    now += 600_000;
    expect(await guard.purgeExpired()).toBe(0);
    now += 1;
    expect(await guard.purgeExpired()).toBe(1);
    expect(await guard.claim(ORG_A, 'nonce-retention-0001')).toBe(true);
  });

  it('when the store fails then every claim of the batch fails instead of passing', async () => {
    const results = Promise.allSettled([
      guard.claim(ORG_A, 'nonce-store-down-001'),
      guard.claim(ORG_A, 'nonce-store-down-002'),
    ]);
    await store.close();
    const settled = await results;
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    // A fresh store for afterEach to close.
    store = openStore(await freshStoreLocation('sqlite'));
  });
});
