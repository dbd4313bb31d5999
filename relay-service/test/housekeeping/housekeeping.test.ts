import pino from 'pino';
import { startHousekeeping } from '../../src/housekeeping';
import { IdempotencyStore, requestFingerprint } from '../../src/operations/idempotency';
import { openStore, type Store } from '../../src/store/store';
import { ReplayGuard } from '../../src/tenants/replay-guard';
import { ENGINES, freshStoreLocation } from '../support/stores';

const ORG = '00D000000000001AAA';

describe.each(ENGINES)('housekeeping on %s', (engine) => {
  let store: Store;
  let now: number;

  beforeEach(async () => {
    now = 1_800_000_000_000;
    store = openStore(await freshStoreLocation(engine));
    await store.migrate();
  });
  afterEach(() => store.close());

  const count = async (table: 'idempotency_records' | 'replay_nonces') =>
    Number(
      (
        await store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('when idempotency records and nonces have expired then one pass deletes them and keeps the live ones', async () => {
    const clock = { now: () => now };
    const records = new IdempotencyStore(store, clock, { leaseMs: 1_000, retentionMs: 10_000 });
    const guard = new ReplayGuard(store, clock);
    await records.begin(ORG, 'issues.create', 'key-expiring-1', requestFingerprint({ a: 1 }));
    await guard.claim(ORG, 'nonce-expiring-000000000001');
    now += 3_600_000;
    await records.begin(ORG, 'issues.create', 'key-live-00001', requestFingerprint({ a: 2 }));
    await guard.claim(ORG, 'nonce-live-000000000000001');

    const housekeeping = startHousekeeping(
      { idempotencyRecords: records, nonces: guard },
      pino({ level: 'silent' }),
    );
    await housekeeping.runOnce();
    housekeeping.stop();

    expect(await count('idempotency_records')).toBe(1);
    expect(await count('replay_nonces')).toBe(1);
  });

  it('when one purge fails then the others still run and the failure is logged', async () => {
    const clock = { now: () => now };
    const records = new IdempotencyStore(store, clock, { leaseMs: 1_000, retentionMs: 10_000 });
    await records.begin(ORG, 'issues.create', 'key-expiring-2', requestFingerprint({ a: 1 }));
    now += 3_600_000;
    const warnings: unknown[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });

    const housekeeping = startHousekeeping(
      {
        broken: { purgeExpired: () => Promise.reject(new Error('database away')) },
        idempotencyRecords: records,
        noPurge: {},
      },
      logger,
    );
    await housekeeping.runOnce();
    housekeeping.stop();

    expect(await count('idempotency_records')).toBe(0);
    expect(warnings.join('')).toContain('"table":"broken"');
  });
});
