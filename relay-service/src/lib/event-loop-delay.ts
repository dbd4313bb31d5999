/**
 * How late this process's event loop has been running lately, in ms: a 20 ms timer's lateness,
 * averaged over its last few wake-ups. Under CPU load every callback waits about that long, so
 * anything timed from inside the process (a Jira call's answer time) includes the relay's own
 * delay. (perf_hooks' monitorEventLoopDelay did not show a 300 ms block in a quick check on
 * Node 20, so the timer is our own: 50 wake-ups a second, unref'd.)
 */
const TICK_MS = 20;
// Weight of one wake-up's lateness. A late loop wakes the timer rarely (a 300 ms late loop 3
// times a second), so the average must follow within a few wake-ups, not within dozens.
const WEIGHT = 0.3;

export class EventLoopDelay {
  private last = performance.now();
  private average = 0;
  private lastLateness = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.timer = setInterval(() => {
      const now = performance.now();
      this.lastLateness = Math.max(0, now - this.last - TICK_MS);
      this.average += WEIGHT * (this.lastLateness - this.average);
      this.last = now;
    }, TICK_MS);
    this.timer.unref();
  }

  /** The recent lateness: the average, the last wake-up's or the one overdue now, if more. */
  get recentMs(): number {
    return Math.max(this.average, this.lastLateness, performance.now() - this.last - TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

let shared: EventLoopDelay | undefined;

/** One meter for the process (its timer is the only cost), started on first use. */
export function processEventLoopDelay(): EventLoopDelay {
  shared ??= new EventLoopDelay();
  return shared;
}
