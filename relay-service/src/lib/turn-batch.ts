/**
 * Group commit: items submitted in the same event-loop turn are written together, in batches of
 * at most `maxBatch`, by one call of `write`. A store commit per request is otherwise the
 * largest cost of a cheap request, and concurrent requests arrive in the same turn.
 *
 * Each submitter's promise settles only after its batch's write has finished: with the answer
 * `write` gave for its item (answers are in the order of the items), or with the error that
 * failed the batch.
 */
export class TurnBatch<T, R> {
  private pending: { item: T; resolve(result: R): void; reject(error: unknown): void }[] = [];
  private flushScheduled = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch: number,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const submitted = this.pending;
    this.pending = [];
    for (let start = 0; start < submitted.length; start += this.maxBatch) {
      const batch = submitted.slice(start, start + this.maxBatch);
      try {
        const results = await this.write(batch.map(({ item }) => item));
        if (results.length !== batch.length)
          throw new Error(`a batch of ${batch.length} was answered with ${results.length} results`);
        batch.forEach(({ resolve }, i) => resolve(results[i] as R));
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
  }
}
