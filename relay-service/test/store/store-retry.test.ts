import { createLogger } from '../../src/lib/logger';
import { isStoreUnavailable } from '../../src/store/store-errors';
import { StoreRetry } from '../../src/store/store-retry';

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const shutdown = () =>
  Object.assign(new Error('terminating connection due to administrator command'), {
    code: '57P01',
  });
const until = async (done: () => boolean) => {
  const deadline = Date.now() + 5_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const fast = { firstDelayMs: 1, maxDelayMs: 5 };

describe('store errors and writes retried once the store is back', () => {
  it('when the error is a refused connection, a server shutdown or a dropped connection then the store is unavailable, also as a cause', () => {
    expect(isStoreUnavailable(refused())).toBe(true);
    expect(isStoreUnavailable(shutdown())).toBe(true);
    expect(isStoreUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isStoreUnavailable(new AggregateError([refused()], 'all addresses'))).toBe(true);
    expect(isStoreUnavailable(new Error('migration failed', { cause: shutdown() }))).toBe(true);
  });

  it('when the error is a constraint, a syntax error or a bug then the store is not called unavailable', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(isStoreUnavailable(unique)).toBe(false);
    expect(isStoreUnavailable(Object.assign(new Error('syntax'), { code: '42601' }))).toBe(false);
    expect(isStoreUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isStoreUnavailable('ECONNREFUSED')).toBe(false);
  });

  it('when a write failed because the store was away then it runs again until the store answers', async () => {
    const retry = new StoreRetry(createLogger('silent'), fast);
    let calls = 0;
    const write = async () => {
      calls += 1;
      if (calls < 4) throw refused();
    };
    expect(retry.retryLater(refused(), 'event', write)).toBe(true);
    await until(() => retry.pending === 0);
    expect(calls).toBe(4);
  });

  it('when a write failed for another reason then it is not retried', () => {
    const retry = new StoreRetry(createLogger('silent'), fast);
    const write = jest.fn(async () => {});
    expect(retry.retryLater(new Error('bug'), 'event', write)).toBe(false);
    expect(retry.pending).toBe(0);
  });

  it('when the store stays away past the deadline or too many writes wait then writes are given up', async () => {
    // The deadline is read from a clock the test moves, so a late timer cannot end it early.
    let now = 0;
    const retry = new StoreRetry(
      createLogger('silent'),
      { ...fast, deadlineMs: 30_000, maxPending: 1 },
      { now: () => now },
    );
    let calls = 0;
    const write = async () => {
      calls += 1;
      throw refused();
    };
    expect(retry.retryLater(refused(), 'first', write)).toBe(true);
    expect(retry.retryLater(refused(), 'second', write)).toBe(false);
    await until(() => calls >= 3);
    expect(retry.pending).toBe(1);
    now = 30_000;
    await until(() => retry.pending === 0);
    const settled = calls;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toBe(settled);
  });
});
