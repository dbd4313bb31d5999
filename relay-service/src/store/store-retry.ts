import { systemClock, type Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { isStoreUnavailable } from './store-errors';

export interface StoreRetryOptions {
  /** How long a write is retried before it is given up (logged as an error). */
  deadlineMs: number;
  /** Writes waiting at once; beyond it a write is given up at once (memory stays bounded). */
  maxPending: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

const DEFAULTS: StoreRetryOptions = {
  // The idempotency lease: past it a retry may take a create's key over.
  deadlineMs: 2 * 60 * 1000,
  maxPending: 10_000,
  firstDelayMs: 250,
  maxDelayMs: 5_000,
};

/**
 * Writes that must not be lost when the store is briefly unreachable (a PostgreSQL restart or
 * failover) after Jira has already changed: the audit event of a comment, the outcome of a
 * create. They are retried in the background until the store answers again. `write` must be
 * safe to run twice: a commit whose acknowledgement was lost did happen.
 */
export class StoreRetry {
  private readonly options: StoreRetryOptions;
  private waiting = 0;

  constructor(
    private readonly logger: Logger,
    options: Partial<StoreRetryOptions> = {},
    private readonly clock: Clock = systemClock,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Writes waiting for the store now. */
  get pending(): number {
    return this.waiting;
  }

  /**
   * Takes over `write`, which just failed with `error`, when the error says the store is
   * unreachable. Answers false (nothing retried) for any other error or when too many wait.
   */
  retryLater(error: unknown, what: string, write: () => Promise<void>): boolean {
    if (!isStoreUnavailable(error) || this.waiting >= this.options.maxPending) return false;
    this.waiting += 1;
    const giveUpAt = this.clock.now() + this.options.deadlineMs;
    const attempt = (delayMs: number) => {
      const timer = setTimeout(() => {
        write().then(
          () => {
            this.waiting -= 1;
            this.logger.info({ what }, 'store back: deferred write done');
          },
          (failure: unknown) => {
            if (isStoreUnavailable(failure) && this.clock.now() < giveUpAt) {
              attempt(Math.min(delayMs * 2, this.options.maxDelayMs));
              return;
            }
            this.waiting -= 1;
            this.logger.error({ err: failure, what }, 'deferred write given up');
          },
        );
      }, delayMs);
      timer.unref();
    };
    attempt(this.options.firstDelayMs);
    return true;
  }
}
