import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const running = globalThis.__pharosPostgres;
  if (!running) return;
  globalThis.__pharosPostgres = undefined;
  // The next run in this process (Stryker's jest runner reuses it) starts its own server again.
  delete process.env.PHAROS_TEST_PG_URL;
  await running.server.stop();
  rmSync(running.parent, { recursive: true, force: true });
}
