import { ReadCoalescer } from '../../src/jira/read-coalescer';

/** Single flight for reads, as the other instances' writes and their absence change it. */

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ReadCoalescer', () => {
  it('when a write completes here then the instance is told which issue, to tell the others', () => {
    const told: (string | undefined)[] = [];
    const reads = new ReadCoalescer<string>((issueKey) => told.push(issueKey));
    reads.writeCompleted('SUP-1');
    reads.writeCompleted(undefined);
    expect(told).toEqual(['SUP-1', undefined]);
  });

  it('when another instance wrote an issue then its read under way takes no new callers, and nobody is told again', async () => {
    const told: (string | undefined)[] = [];
    const reads = new ReadCoalescer<string>((issueKey) => told.push(issueKey));
    const first = deferred<string>();
    const second = deferred<string>();
    const early = reads.run('GET a', 'SUP-1', () => first.promise);
    expect(reads.run('GET a', 'SUP-1', () => second.promise).joined).toBe(true);

    reads.closeSharing('sup-1');
    const late = reads.run('GET a', 'SUP-1', () => second.promise);
    expect(late.joined).toBe(false);
    first.resolve('before');
    second.resolve('after');
    expect(await early.promise).toBe('before');
    expect(await late.promise).toBe('after');
    expect(told).toEqual([]);
  });

  it('when sharing is suspended then every caller makes its own call, also those that came before', async () => {
    const reads = new ReadCoalescer<string>();
    let calls = 0;
    const work = () => Promise.resolve(`answer ${(calls += 1)}`);
    const slow = deferred<string>();
    reads.run('GET a', 'SUP-1', () => slow.promise);

    reads.suspend(true);
    expect(reads.run('GET a', 'SUP-1', work).joined).toBe(false);
    expect(reads.run('GET a', 'SUP-1', work).joined).toBe(false);
    expect(calls).toBe(2);
    expect(reads.size).toBe(0);

    reads.suspend(false);
    const shared = deferred<string>();
    reads.run('GET b', undefined, () => shared.promise);
    expect(reads.run('GET b', undefined, work).joined).toBe(true);
    slow.resolve('done');
    shared.resolve('done');
  });
});
