import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnMemo } from '../../src/lib/turn-memo';

describe('TurnMemo', () => {
  it('when callers of one turn ask for a key then one read answers them all, and another key is read on its own', async () => {
    const memo = new TurnMemo<string>();
    const reads: string[] = [];
    const read = (key: string) => () => {
      reads.push(key);
      return Promise.resolve(`row of ${key}`);
    };
    const answers = await Promise.all([
      memo.get('a', read('a')),
      memo.get('a', read('a')),
      memo.get('b', read('b')),
      memo.get('a', read('a')),
    ]);
    expect(answers).toEqual(['row of a', 'row of a', 'row of b', 'row of a']);
    expect(reads).toEqual(['a', 'b']);
  });

  it('when a later turn asks then the key is read again', async () => {
    const memo = new TurnMemo<number>();
    let reads = 0;
    const read = () => Promise.resolve(++reads);
    expect(await memo.get('a', read)).toBe(1);
    // Still this turn (only microtasks ran): shared.
    expect(await memo.get('a', read)).toBe(1);
    await nextTurn();
    expect(await memo.get('a', read)).toBe(2);
    await nextTurn();
    await nextTurn();
    expect(await memo.get('a', read)).toBe(3);
  });

  it('when the shared read fails then every caller of that turn gets the error and the next turn reads again', async () => {
    const memo = new TurnMemo<string>();
    const failing = () => Promise.reject(new Error('store down'));
    const first = memo.get('a', failing);
    const second = memo.get('a', () => Promise.resolve('unused'));
    await expect(first).rejects.toThrow('store down');
    await expect(second).rejects.toThrow('store down');
    await nextTurn();
    await expect(memo.get('a', () => Promise.resolve('back'))).resolves.toBe('back');
  });
});
