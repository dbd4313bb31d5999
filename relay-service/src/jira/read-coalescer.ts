/**
 * Single flight for reads on one connection: callers asking for the same thing while a call for
 * it is under way share that call's answer. Not a cache: once the call is answered, the next
 * caller makes a new one.
 *
 * Writes close sharing. When a write through the relay completes, every read still under way
 * that may cover the written issue (the same issue, or any read not tied to one issue, such as
 * a search) stops taking new callers: its answer may predate the write, and whoever asks after
 * the write must see it. Callers already waiting on such a read keep it; they asked before the
 * write was done, so either answer is correct for them.
 *
 * Writes made by other relay instances close sharing the same way (store/issue-write-notices.ts),
 * and while those may go unheard, nothing is shared.
 */

interface SharedRead<T> {
  promise: Promise<T>;
  /** The one issue the read is about (upper case), or undefined when it may cover any. */
  issueKey: string | undefined;
}

export class ReadCoalescer<T> {
  private readonly reads = new Map<string, SharedRead<T>>();
  private suspended = false;

  /** `onWrite`: told of every write completed here (to tell the other instances). */
  constructor(private readonly onWrite?: (issueKey: string | undefined) => void) {}

  /**
   * The answer of the read under way for `key`, or of a new one started with `work`. `joined`
   * is true when an earlier caller's call is shared (a Jira call saved).
   */
  run(
    key: string,
    issueKey: string | undefined,
    work: () => Promise<T>,
  ): { promise: Promise<T>; joined: boolean } {
    if (this.suspended) return { promise: work(), joined: false };
    const existing = this.reads.get(key);
    if (existing) return { promise: existing.promise, joined: true };
    const read: SharedRead<T> = {
      issueKey: issueKey?.toUpperCase(),
      promise: work().finally(() => {
        if (this.reads.get(key) === read) this.reads.delete(key);
      }),
    };
    this.reads.set(key, read);
    return { promise: read.promise, joined: false };
  }

  /** A write completed here (or failed, which may still have changed Jira): see the class comment. */
  writeCompleted(issueKey: string | undefined): void {
    this.closeSharing(issueKey);
    this.onWrite?.(issueKey);
  }

  /** A write completed, here or on another instance: reads it may have changed take no new callers. */
  closeSharing(issueKey: string | undefined): void {
    const written = issueKey?.toUpperCase();
    for (const [key, read] of this.reads) {
      if (written === undefined || read.issueKey === undefined || read.issueKey === written)
        this.reads.delete(key);
    }
  }

  /** While true, every read is its own call (writes elsewhere may go unheard). */
  suspend(suspended: boolean): void {
    this.suspended = suspended;
    if (suspended) this.closeSharing(undefined);
  }

  get size(): number {
    return this.reads.size;
  }
}
