import { TurnBatch } from '../../src/lib/turn-batch';

describe('TurnBatch', () => {
  const recording = (answer: (items: number[]) => Promise<string[]>) => {
    const writes: number[][] = [];
    const batch = new TurnBatch<number, string>((items) => {
      writes.push(items);
      return answer(items);
    }, 3);
    return { batch, writes };
  };
  const echo = (items: number[]) => Promise.resolve(items.map((n) => `#${n}`));

  it('when items arrive in one turn then they are written together, at most maxBatch at a time, each answered with its own result', async () => {
    const { batch, writes } = recording(echo);
    const answers = await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => batch.submit(n)));
    expect(writes).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(answers).toEqual(['#1', '#2', '#3', '#4', '#5', '#6', '#7']);
  });

  it('when a turn brings an exact multiple of maxBatch then no empty batch is written after the last', async () => {
    const { batch, writes } = recording(echo);
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => batch.submit(n)));
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('when items arrive in different turns then each turn is its own write', async () => {
    const { batch, writes } = recording(echo);
    const first = batch.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = batch.submit(2);
    expect(await Promise.all([first, second])).toEqual(['#1', '#2']);
    expect(writes).toEqual([[1], [2]]);
  });

  it('when an item is submitted then its promise waits for the write to finish', async () => {
    let finish!: () => void;
    const { batch } = recording(
      (items) => new Promise((resolve) => (finish = () => resolve(items.map(String)))),
    );
    let settled = false;
    const answer = batch.submit(1).then((result) => {
      settled = true;
      return result;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    finish();
    expect(await answer).toBe('1');
  });

  it('when a write fails then only that batch is rejected, and later turns write again', async () => {
    const { batch, writes } = recording((items) =>
      items.includes(2) ? Promise.reject(new Error('disk full')) : echo(items),
    );
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => batch.submit(n)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason)))).toEqual([
      'Error: disk full',
      'Error: disk full',
      'Error: disk full',
      '#4',
    ]);
    expect(await batch.submit(5)).toBe('#5');
    expect(writes).toEqual([[1, 2, 3], [4], [5]]);
  });

  it('when a write answers fewer results than items then the batch is rejected, not left hanging', async () => {
    const { batch } = recording((items) => Promise.resolve(items.slice(1).map(String)));
    await expect(Promise.all([batch.submit(1), batch.submit(2)])).rejects.toThrow(
      'a batch of 2 was answered with 1 results',
    );
  });
});
