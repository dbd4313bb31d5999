import { EventLoopDelay } from '../../src/lib/event-loop-delay';

describe('event loop delay meter', () => {
  it('when the event loop is blocked then the meter says it runs that late', async () => {
    const meter = new EventLoopDelay();
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const end = performance.now() + 300;
      while (performance.now() < end); // the relay busy with one long piece of work
      expect(meter.recentMs).toBeGreaterThanOrEqual(250);
    } finally {
      meter.stop();
    }
  });
});
