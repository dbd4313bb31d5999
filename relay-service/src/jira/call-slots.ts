import { AdaptiveLimit, type AdaptiveLimitSettings, type CallSample } from './adaptive-limit';

/**
 * The calls one Jira connection has in flight, under its adaptive limit, and the short queue
 * in front of them. Nobody waits longer than the budget for a slot: a caller whose wait would
 * exceed it, by the queue's own estimate or on the clock, is refused at once (never queued for
 * seconds behind a Jira that cannot keep up). A refused call never reached Jira.
 */

export interface CallSlotsSettings extends AdaptiveLimitSettings {
  /** Longest wait for a slot. */
  maxWaitMs: number;
}

/** A slot held by one call; give it back with `release`. */
export interface Slot {
  readonly ticket: number;
  readonly inFlight: number;
}

/** Thrown when no slot could be had within the budget; the call never left. */
export class NoSlotError extends Error {
  constructor(
    /** Seconds after which a retry is likely to find a slot. */
    readonly retryAfterSeconds: number,
    readonly reason: 'estimate' | 'timeout',
  ) {
    super(`no slot to call Jira within the wait budget (${reason})`);
    this.name = 'NoSlotError';
  }
}

interface Waiter {
  grant(slot: Slot): void;
  timer: NodeJS.Timeout | undefined;
  settled: boolean;
}

export class CallSlots {
  readonly limit: AdaptiveLimit;
  private active = 0;
  private readonly waiting: Waiter[] = [];
  // Index of the first waiter still queued: shift() on a long array is O(n).
  private head = 0;

  constructor(private readonly settings: CallSlotsSettings) {
    this.limit = new AdaptiveLimit(settings);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Takes a slot, waiting at most `maxWaitMs` (less when given) for one. */
  acquire(maxWaitMs = this.settings.maxWaitMs): Promise<Slot> | Slot {
    if (this.active < this.limit.current && this.queued === 0) return this.take();
    const estimate = this.estimatedWaitMs(this.queued + 1);
    if (maxWaitMs <= 0 || (estimate !== undefined && estimate > maxWaitMs)) {
      throw new NoSlotError(secondsOf(estimate ?? maxWaitMs), 'estimate');
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = {
        settled: false,
        timer: undefined,
        grant: (slot) => {
          waiter.settled = true;
          clearTimeout(waiter.timer);
          resolve(slot);
        },
      };
      waiter.timer = setTimeout(() => {
        if (waiter.settled) return;
        waiter.settled = true;
        const position = this.waiting.indexOf(waiter, this.head);
        if (position >= 0) this.waiting.splice(position, 1);
        reject(
          new NoSlotError(secondsOf(this.estimatedWaitMs(this.queued) ?? maxWaitMs), 'timeout'),
        );
      }, maxWaitMs);
      this.waiting.push(waiter);
    });
  }

  /** Gives the slot back with what the call taught about Jira's load. */
  release(sample: Omit<CallSample, 'ticket' | 'inFlight'>, slot: Slot): void {
    this.active -= 1;
    this.limit.onSample({ ...sample, ticket: slot.ticket, inFlight: slot.inFlight });
    this.grantWaiting();
  }

  private take(): Slot {
    this.active += 1;
    return { ticket: this.limit.ticket(), inFlight: this.active };
  }

  private grantWaiting(): void {
    while (this.active < this.limit.current && this.head < this.waiting.length) {
      const next = this.waiting[this.head] as Waiter;
      this.head += 1;
      next.grant(this.take());
    }
    if (this.head > 64 && this.head * 2 > this.waiting.length) {
      this.waiting.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * How long the caller at `position` in the queue would wait: the connection serves about
   * `limit` calls per usual answer time. Unknown before Jira has answered once.
   */
  private estimatedWaitMs(position: number): number | undefined {
    const usual = this.limit.usualReadMs;
    if (usual === undefined) return undefined;
    return Math.ceil(position / Math.max(1, this.limit.current)) * usual;
  }
}

const secondsOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
