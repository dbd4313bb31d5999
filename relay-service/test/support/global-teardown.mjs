import { rmSync } from 'node:fs';

export default async function globalTeardown() {
  const running = globalThis.__pharosPostgres;
  if (!running) return;
  await running.server.stop();
  rmSync(running.parent, { recursive: true, force: true });
}
