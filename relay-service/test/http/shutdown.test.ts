import { startTestRelay } from '../support/relay';

describe('graceful shutdown', () => {
  it('when stop is called during a request then that request finishes and new connections are refused', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const relay = await startTestRelay({
      decorate: (services) => ({
        ...services,
        store: {
          ...services.store,
          ping: async () => {
            entered();
            await gate;
            await services.store.ping();
          },
        },
      }),
    });
    const inFlight = fetch(`${relay.url}/readyz`);
    await inside;
    const stopped = relay.stop();
    let stopDone = false;
    void stopped.then(() => (stopDone = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(stopDone).toBe(false);
    await expect(fetch(`${relay.url}/healthz`)).rejects.toThrow(/fetch failed/);
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    await stopped;
    expect(stopDone).toBe(true);
    expect(relay.logs.text).toContain('stopped');
    await expect(relay.stop()).resolves.toBeUndefined();
  });

  it('when a request outlives the shutdown bound then it is cut and stop still completes', async () => {
    const relay = await startTestRelay({
      env: { RELAY_SHUTDOWN_TIMEOUT_MS: '100' },
      decorate: (services) => ({
        ...services,
        store: { ...services.store, ping: () => new Promise<void>(() => undefined) },
      }),
    });
    const hanging = fetch(`${relay.url}/readyz`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await relay.stop();
    expect(String(await hanging)).toMatch(/fetch failed/);
    expect(relay.logs.text).toContain('did not finish in time');
  });
});
