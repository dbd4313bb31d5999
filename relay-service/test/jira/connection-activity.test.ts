import { ConnectionActivity } from '../../src/jira/connection-activity';
import { AppError } from '../../src/lib/errors';
import { openStore, type Store } from '../../src/store/store';
import { freshStoreLocation } from '../support/stores';

/**
 * How often an instance writes a connection's activity when the store cannot take it: the
 * relay serves hundreds of calls at once, and a store that is down must not get one write
 * attempt per call.
 */
describe('connection activity when the store cannot be written', () => {
  let store: Store;
  let now = 1_800_000_000_000;
  const warnings: unknown[] = [];
  const activity = () =>
    new ConnectionActivity({
      store,
      clock: { now: () => now },
      logger: { warn: (...args: unknown[]) => void warnings.push(args) },
    });

  beforeAll(async () => {
    store = openStore(await freshStoreLocation('sqlite'));
    await store.migrate();
    await store.close();
  });

  it('when calls keep failing and working while the store is down then one write is tried a minute, or per change of state', async () => {
    const noted = activity();
    const failure = new AppError('JIRA_UNAVAILABLE', 'Jira did not answer.');
    for (let i = 0; i < 20; i += 1) {
      noted.note('00D000000000001AAA', 'cloud', failure);
      await noted.settled();
    }
    expect(warnings).toHaveLength(1);

    now += 10_000;
    noted.note('00D000000000001AAA', 'cloud');
    await noted.settled();
    // Working again is a change of state: written at once (and failing again here).
    expect(warnings).toHaveLength(2);
    for (let i = 0; i < 20; i += 1) {
      noted.note('00D000000000001AAA', 'cloud');
      await noted.settled();
    }
    expect(warnings).toHaveLength(2);

    now += 61_000;
    noted.note('00D000000000001AAA', 'cloud');
    await noted.settled();
    expect(warnings).toHaveLength(3);
    // What this instance saw is still answered from memory.
    expect(
      noted.merged('00D000000000001AAA', 'cloud', {
        last_success_at: null,
        last_error_code: null,
        last_error_at: null,
      }),
    ).toEqual({
      lastSuccessAt: now,
      lastError: { code: 'JIRA_UNAVAILABLE', at: now - 71_000 },
    });
  });
});
