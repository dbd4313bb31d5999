import pg from 'pg';
import { createLogger } from '../../src/lib/logger';
import { PostgresIssueWriteNotices, type IssueWrite } from '../../src/store/issue-write-notices';
import { openStore, type Store } from '../../src/store/store';
import { freshPostgresUrl } from '../support/stores';

/**
 * Two relay instances' notices on one real PostgreSQL: what one publishes, the other hears, and
 * a lost listening connection is said, then made again, without anyone's help.
 */

interface Instance {
  store: Store;
  notices: PostgresIssueWriteNotices;
  heard: IssueWrite[];
  listening: boolean[];
}

const until = async (condition: () => boolean, what: string) => {
  for (const started = Date.now(); !condition();) {
    if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('Jira write notices between relay instances on PostgreSQL', () => {
  let url: string;
  const instances: Instance[] = [];

  async function instance(): Promise<Instance> {
    const store = openStore({ engine: 'postgres', url });
    const notices = new PostgresIssueWriteNotices(url, store.db, createLogger('silent'));
    store.atClose(() => notices.close());
    const made: Instance = { store, notices, heard: [], listening: [] };
    await notices.start();
    notices.subscribe({
      written: (write) => made.heard.push(write),
      listening: (listening) => made.listening.push(listening),
    });
    instances.push(made);
    return made;
  }

  /** The server processes LISTENing on the channel. */
  async function listenerPids(): Promise<number[]> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>(
        "select pid from pg_stat_activity where datname = current_database() and query = 'LISTEN relay_issue_writes'",
      );
      return rows.map((row) => row.pid);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    url = await freshPostgresUrl();
  });
  afterEach(async () => {
    await Promise.all(instances.splice(0).map((made) => made.store.close()));
  });

  it('when one instance writes then the others hear which issue of which connection, and it does not hear itself', async () => {
    const [a, b, c] = [await instance(), await instance(), await instance()];
    expect(b.listening).toEqual([true]);

    a.notices.publish({ orgId: '00D5g000004ABCDEAY', connection: 'cloud', issueKey: 'SUP-1' });
    b.notices.publish({ orgId: '00D5g000004ABCDEAY', connection: 'dc', issueKey: undefined });
    await until(() => c.heard.length === 2, 'both notices');
    await until(() => a.heard.length === 1 && b.heard.length === 1, 'the other instance’s');

    const cloud = { orgId: '00D5g000004ABCDEAY', connection: 'cloud', issueKey: 'SUP-1' };
    const dc = { orgId: '00D5g000004ABCDEAY', connection: 'dc', issueKey: undefined };
    // Two publishers' notices may arrive in either order.
    expect(c.heard).toHaveLength(2);
    expect(c.heard).toEqual(expect.arrayContaining([cloud, dc]));
    expect(a.heard).toEqual([dc]);
    expect(b.heard).toEqual([cloud]);
  });

  it('when something else notifies on the channel then it is ignored', async () => {
    const [a, b] = [await instance(), await instance()];
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      "select pg_notify('relay_issue_writes', 'not json'), pg_notify('relay_issue_writes', '{\"org\":1}')",
    );
    await client.end();
    a.notices.publish({ orgId: '00D5g000004ABCDEAY', connection: 'cloud', issueKey: 'SUP-2' });
    await until(() => b.heard.length === 1, 'the real notice');
    expect(b.heard).toEqual([
      { orgId: '00D5g000004ABCDEAY', connection: 'cloud', issueKey: 'SUP-2' },
    ]);
  });

  it('when the listening connection is cut then the instance says it is not listening, listens again, and hears later notices', async () => {
    const [a, b] = [await instance(), await instance()];
    const pids = await listenerPids();
    expect(pids).toHaveLength(2);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [pids]);
    await admin.end();

    await until(() => b.listening.length >= 3, 'listening again');
    expect(b.listening).toEqual([true, false, true]);
    a.notices.publish({ orgId: '00D5g000004ABCDEAY', connection: 'cloud', issueKey: 'SUP-3' });
    await until(() => b.heard.length === 1, 'a notice after the cut');
  });

  it('when the store closes then its notices stop listening and do not connect again', async () => {
    const a = await instance();
    expect(await listenerPids()).toHaveLength(1);
    await a.store.close();
    instances.splice(instances.indexOf(a), 1);
    expect(a.listening).toEqual([true, false]);
    await new Promise((resolve) => setTimeout(resolve, 700)); // past the first reconnect delay
    expect(await listenerPids()).toEqual([]);
  });
});
