/**
 * Shares one read among the callers of one event-loop turn: the first caller for a key starts
 * the read, the others of the same turn get its promise, and the next turn reads again. What a
 * caller gets is what a read started earlier in the same turn saw; the callers of one turn are
 * requests in flight together, and any of them could have read just before another's write.
 * It saves reads when concurrent requests resume together (a group commit settles every
 * request of a turn at once, see turn-batch.ts). Unlike ReadCoalescer (jira/), which shares a
 * Jira read only while it is under way, it keeps an answered read until the turn ends: a store
 * read on SQLite is answered within the microtasks of the caller that started it.
 */
export class TurnMemo<V> {
  private readonly reads = new Map<string, Promise<V>>();
  private clearScheduled = false;

  /** The read of `key` this turn, started by `read` if no caller of this turn started it. */
  get(key: string, read: () => Promise<V>): Promise<V> {
    const shared = this.reads.get(key);
    if (shared) return shared;
    const started = read();
    this.reads.set(key, started);
    if (!this.clearScheduled) {
      this.clearScheduled = true;
      setImmediate(() => {
        this.clearScheduled = false;
        this.reads.clear();
      });
    }
    return started;
  }
}
