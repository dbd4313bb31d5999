import { existsSync } from 'node:fs';
import path from 'node:path';
import { startTs } from '../support/processes';
import { tempDir } from '../support/stores';

describe('npm start with zero configuration', () => {
  it('when started with no environment then it serves /healthz on SQLite with a generated dev key and stops on SIGTERM', async () => {
    const cwd = tempDir('pharos-start-');
    const { child, match } = await startTs(
      'relay-service/src/main.ts',
      { PORT: '0' },
      cwd,
      /"url":"(http:\/\/[^"]+)"/,
    );
    try {
      const url = match[1] as string;
      const response = await fetch(`${url}/healthz`);
      expect(response.status).toBe(200);
      expect(existsSync(path.join(cwd, '.data/relay.db'))).toBe(true);
      expect(existsSync(path.join(cwd, '.data/dev-encryption.key'))).toBe(true);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 30_000);

  it('when a variable is invalid then start-up stops with one line naming it', async () => {
    const cwd = tempDir('pharos-start-');
    await expect(
      startTs('relay-service/src/main.ts', { PORT: 'eighty' }, cwd, /listening/),
    ).rejects.toThrow(/config error: PORT: expected a port number/);
  }, 30_000);
});
