import { insertFirstOfEachKey } from '../../src/lib/first-of-each-key';

/**
 * The batch-insert rule shared by the replay guard's nonces and the audit outbox's rows; each
 * is also tested on real stores (replay-guard.test.ts, outbox-repository.test.ts).
 */
interface Entry {
  key: string;
  tag: string;
}

const entry = (key: string, tag: string): Entry => ({ key, tag });

describe('insertFirstOfEachKey', () => {
  it('when keys repeat then only the first entry of each is inserted, in order, and only it is answered true', async () => {
    const entries = [entry('a', 'a1'), entry('b', 'b1'), entry('a', 'a2'), entry('c', 'c1')];
    const inserts: Entry[][] = [];
    const answers = await insertFirstOfEachKey(
      entries,
      (e) => e.key,
      (firsts) => {
        inserts.push(firsts);
        return Promise.resolve(firsts.map((e) => e.key));
      },
    );
    expect(inserts).toEqual([[entry('a', 'a1'), entry('b', 'b1'), entry('c', 'c1')]]);
    expect(answers).toEqual([true, true, false, true]);
  });

  it('when the store already holds a key then that entry, and every later one with its key, is answered false', async () => {
    const entries = [entry('held', 'h1'), entry('new', 'n1'), entry('held', 'h2')];
    const answers = await insertFirstOfEachKey(
      entries,
      (e) => e.key,
      // The store skipped "held": only "new" comes back.
      () => Promise.resolve(['new']),
    );
    expect(answers).toEqual([false, true, false]);
  });

  it('when equal entries are distinct objects then the first object wins, not any equal one', async () => {
    const first = entry('k', 'same');
    const second = entry('k', 'same');
    const answers = await insertFirstOfEachKey(
      [first, second],
      (e) => e.key,
      (firsts) => {
        expect(firsts).toHaveLength(1);
        expect(firsts[0]).toBe(first);
        return Promise.resolve(['k']);
      },
    );
    expect(answers).toEqual([true, false]);
  });

  it('when the insert fails then the failure is the answer', async () => {
    await expect(
      insertFirstOfEachKey(
        [entry('a', 'a1')],
        (e) => e.key,
        () => Promise.reject(new Error('store down')),
      ),
    ).rejects.toThrow('store down');
  });
});
