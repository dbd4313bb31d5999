import { AdaptiveLimit, type CallSample } from '../../src/jira/adaptive-limit';
import { CallSlots, NoSlotError } from '../../src/jira/call-slots';

/** Sends `count` calls that all find the limit in use, each answered `outcome` after `rttMs`. */
function answer(
  limit: AdaptiveLimit,
  count: number,
  sample: Partial<Omit<CallSample, 'ticket'>> = {},
): void {
  const tickets = Array.from({ length: count }, () => limit.ticket());
  for (const ticket of tickets) {
    limit.onSample({
      ticket,
      kind: 'read',
      outcome: 'ok',
      rttMs: 150,
      inFlight: limit.current,
      ...sample,
    });
  }
}

describe('adaptive concurrency limit of a Jira connection', () => {
  it('when Jira answers quickly and the limit is in use then it grows, doubling per round trip, up to the ceiling', () => {
    const limit = new AdaptiveLimit({ min: 4, max: 256, initial: 32 });
    answer(limit, 32);
    expect(limit.current).toBe(64);
    answer(limit, 64);
    expect(limit.current).toBe(128);
    answer(limit, 1000);
    expect(limit.current).toBe(256);
  });

  it('when few calls are in flight then the limit does not grow (an unused limit proves nothing)', () => {
    const limit = new AdaptiveLimit({ min: 4, max: 256, initial: 32 });
    answer(limit, 100, { inFlight: 10 });
    expect(limit.current).toBe(32);
  });

  it('when Jira answers 429 or 503 then the limit halves once for the calls sent together', () => {
    const limit = new AdaptiveLimit({ min: 4, max: 256, initial: 64 });
    // Fifty calls sent together all meet the overload: one signal, one halving.
    answer(limit, 50, { outcome: 'overload' });
    expect(limit.current).toBe(32);
    // A call sent after the decrease that meets it again halves it again.
    answer(limit, 1, { outcome: 'overload' });
    expect(limit.current).toBe(16);
  });

  it('when overloads keep coming then the limit stops at the floor', () => {
    const limit = new AdaptiveLimit({ min: 4, max: 256, initial: 64 });
    for (let i = 0; i < 20; i += 1) answer(limit, 1, { outcome: 'overload' });
    expect(limit.current).toBe(4);
  });

  it('when answers slow down well beyond the usual time then the limit shrinks', () => {
    const limit = new AdaptiveLimit({ min: 4, max: 256, initial: 100 });
    answer(limit, 50, { rttMs: 150, inFlight: 10 }); // the usual time: 150 ms
    expect(limit.current).toBe(100);
    for (let i = 0; i < 10; i += 1) answer(limit, 1, { rttMs: 3000, inFlight: 10 });
    expect(limit.current).toBeLessThan(100);
    expect(limit.current).toBeGreaterThanOrEqual(4);
  });

  it('when answers take somewhat longer (relay busy, tens of ms) then that is not taken for Jira slowing down', () => {
    const limit = new AdaptiveLimit({ min: 4, max: 256, initial: 100 });
    answer(limit, 50, { rttMs: 2, inFlight: 10 });
    answer(limit, 50, { rttMs: 80, inFlight: 10 });
    expect(limit.current).toBe(100);
  });

  it('when the relay itself runs late (CPU-bound) then its long answer times neither shrink the limit nor become the usual time; overloads still count', () => {
    let relayDelayMs = 0;
    const limit = new AdaptiveLimit({
      min: 4,
      max: 256,
      initial: 100,
      relayDelayMs: () => relayDelayMs,
    });
    answer(limit, 50, { rttMs: 5, inFlight: 10 }); // Jira's usual time: 5 ms
    // The relay's event loop runs 400 ms late: every answer looks 100 times slower than usual.
    relayDelayMs = 400;
    answer(limit, 100, { rttMs: 500 });
    expect(limit.current).toBe(200); // grew as the answers came, never cut
    expect(limit.usualReadMs).toBeLessThan(6);
    answer(limit, 1, { outcome: 'overload' });
    expect(limit.current).toBe(100);
    // Back on time: Jira's own slowness is judged again.
    relayDelayMs = 0;
    for (let i = 0; i < 10; i += 1) answer(limit, 1, { rttMs: 3000, inFlight: 10 });
    expect(limit.current).toBeLessThan(100);
  });

  it('when reads are fast and writes slow then each kind is judged against its own usual time', () => {
    const limit = new AdaptiveLimit({ min: 4, max: 256, initial: 100 });
    answer(limit, 50, { kind: 'read', rttMs: 20, inFlight: 10 });
    answer(limit, 50, { kind: 'write', rttMs: 900, inFlight: 10 });
    expect(limit.current).toBe(100);
  });

  it('when the limit was cut then growth is careful: one call per round trip', () => {
    const limit = new AdaptiveLimit({ min: 4, max: 256, initial: 64 });
    answer(limit, 1, { outcome: 'overload' });
    expect(limit.current).toBe(32);
    answer(limit, 40); // a little more than one round trip's worth of answers
    expect(limit.current).toBe(33);
  });

  it('when a failure says nothing about Jira (refused connection) then the limit stays', () => {
    const limit = new AdaptiveLimit({ min: 4, max: 256, initial: 64 });
    answer(limit, 10, { outcome: 'ignore' });
    expect(limit.current).toBe(64);
  });
});

describe('call slots with a bounded wait', () => {
  const slots = (initial: number, maxWaitMs = 50, max = 64) =>
    new CallSlots({ min: 1, max, initial, maxWaitMs });

  it('when the limit is reached then the next caller waits and gets the slot given back', async () => {
    const calls = slots(1, 1000);
    const first = calls.acquire() as ReturnType<CallSlots['acquire']> & { ticket: number };
    const second = calls.acquire();
    expect(second).toBeInstanceOf(Promise);
    expect(calls.queued).toBe(1);
    calls.release({ kind: 'read', outcome: 'ok', rttMs: 5 }, await first);
    await expect(second).resolves.toMatchObject({ ticket: expect.any(Number) });
    expect(calls.inFlight).toBe(1);
    expect(calls.queued).toBe(0);
  });

  it('when no slot frees within the budget then the caller is refused with a retry hint and leaves the queue', async () => {
    const calls = slots(1, 20);
    await calls.acquire();
    const error = await Promise.resolve(calls.acquire()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoSlotError);
    expect(error).toMatchObject({ reason: 'timeout', retryAfterSeconds: 1 });
    expect(calls.queued).toBe(0);
  });

  it('when the queue alone would take longer than the budget then the caller is refused at once', async () => {
    const calls = slots(2, 500, 2);
    // Teach the usual answer time: 400 ms.
    const taught = [await calls.acquire(), await calls.acquire()];
    for (const slot of taught) calls.release({ kind: 'read', outcome: 'ok', rttMs: 400 }, slot);
    await calls.acquire();
    await calls.acquire();
    const waiting = calls.acquire(); // 1st in line: ~400 ms, within the budget
    expect(waiting).toBeInstanceOf(Promise);
    void Promise.resolve(waiting).catch(() => undefined);
    const queuedBefore = calls.queued;
    // 2nd and 3rd in line: two more round trips of two calls; the 3rd would wait ~800 ms.
    void Promise.resolve(calls.acquire()).catch(() => undefined);
    expect(() => calls.acquire()).toThrow(NoSlotError);
    expect(calls.queued).toBe(queuedBefore + 1);
  });
});
