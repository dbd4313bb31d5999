import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../support/processes';
import { ORG_ID, signedFetch, TEST_KEY } from '../support/relay';
import { tempDir } from '../support/stores';

/**
 * `npm run build` then `npm run start:prod`, as a production host runs them: the build copied
 * into an empty folder with only the lockfile's production dependencies (`npm ci --omit=dev`),
 * so any import of a dev dependency (tsx, typescript, a test helper) fails here.
 */

// npm ci and tsc on a 2-core machine shared with other jobs: minutes, not seconds.
jest.setTimeout(300_000);

interface Finished {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], cwd: string, env = process.env): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const rootPackage = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** `node <file>` from a package.json script: the file a production host runs. */
function entryOf(script: string): string {
  const command = rootPackage.scripts[script] ?? '';
  const match = /^node (\S+\.js)$/.exec(command);
  if (!match) throw new Error(`${script} should be "node <built file>", is "${command}"`);
  return match[1] as string;
}

describe('production start (npm run build, npm ci --omit=dev, npm run start:prod)', () => {
  let folder: string;
  let relay: ChildProcess | undefined;
  let relayUrl = '';
  let relayOutput = '';
  let tenantSecret = '';
  const productionEnv = () => ({
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'production',
    RELAY_ENCRYPTION_KEYS: TEST_KEY,
  });

  beforeAll(async () => {
    folder = tempDir('pharos-prod-');
    mkdirSync(path.join(folder, 'relay-service'));
    for (const file of ['package.json', 'package-lock.json', 'relay-service/package.json'])
      copyFileSync(path.join(REPO_ROOT, file), path.join(folder, file));
    // The build and the production install are independent: run them side by side.
    const [build, install] = await Promise.all([
      run(
        'npm',
        ['run', 'build', '--', '--outDir', path.join(folder, 'relay-service/dist')],
        REPO_ROOT,
      ),
      // Install scripts skipped: the one native addon is copied below, built for this Node by
      // the repository's own install (compiling it again would add a minute and prove nothing).
      run(
        'npm',
        ['ci', '--omit=dev', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'],
        folder,
      ),
    ]);
    if (build.code !== 0) throw new Error(`npm run build failed:\n${build.output}`);
    if (install.code !== 0) throw new Error(`npm ci --omit=dev failed:\n${install.output}`);
    const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    mkdirSync(path.dirname(path.join(folder, addon)), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, addon), path.join(folder, addon));
  });

  afterAll(async () => {
    if (relay && relay.exitCode === null) {
      const exited = new Promise((resolve) => relay?.once('exit', resolve));
      relay.kill('SIGKILL');
      await exited;
    }
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('when installed for production then no dev dependency is there', () => {
    const lock = JSON.parse(readFileSync(path.join(folder, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.keys(rootPackage.devDependencies).filter(
      (name) => lock.packages[`node_modules/${name}`]?.dev === true,
    );
    expect(devOnly).toEqual(expect.arrayContaining(['typescript', 'tsx', 'jest']));
    expect(devOnly.filter((name) => existsSync(path.join(folder, 'node_modules', name)))).toEqual(
      [],
    );
    expect(existsSync(path.join(folder, 'node_modules/express'))).toBe(true);
  });

  it('when built then the file the Dockerfile runs is in the build output', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8'));
    const [, entry] = JSON.parse(cmd?.[1] ?? '[]') as string[];
    expect(entry).toBe(entryOf('start:prod'));
    expect(existsSync(path.join(folder, entry ?? ''))).toBe(true);
    expect(existsSync(path.join(folder, entryOf('relay:admin:prod')))).toBe(true);
  });

  it('when a tenant is added with the built admin CLI then its secret is printed', async () => {
    const added = await run(
      'node',
      [
        entryOf('relay:admin:prod'),
        'tenants',
        'add',
        '--org-id',
        ORG_ID,
        '--name',
        'Prod',
        '--json',
      ],
      folder,
      { ...productionEnv(), LOG_LEVEL: 'silent' },
    );
    expect(added).toEqual({ code: 0, output: expect.stringContaining(ORG_ID) });
    tenantSecret = (JSON.parse(added.output) as { secret: string }).secret;
  });

  it('when start:prod runs with the embedded defaults then /healthz and a signed request answer', async () => {
    expect(tenantSecret).not.toBe('');
    const child = spawn('node', [entryOf('start:prod')], {
      cwd: folder,
      env: { ...productionEnv(), HOST: '127.0.0.1', PORT: '0' },
    });
    relay = child;
    relayUrl = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        relayOutput += chunk.toString();
        const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"relay listening"/.exec(
          relayOutput,
        )?.[1];
        if (url) resolve(url);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${relayOutput}`)));
    });
    // SQLite in ./.data of the working folder: the default store.
    expect(relayOutput).toContain('"store":"sqlite"');
    expect(existsSync(path.join(folder, '.data/relay.db'))).toBe(true);

    const health = await fetch(`${relayUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const signed = await signedFetch(relayUrl, {
      method: 'GET',
      path: '/v1/connections',
      orgId: ORG_ID,
      secret: tenantSecret,
    });
    expect(signed.status).toBe(200);
    expect(await signed.json()).toEqual({
      connections: [],
      oauthRedirectUrl: expect.stringMatching(/\/oauth\/callback$/),
    });

    const unsigned = await fetch(`${relayUrl}/v1/connections`);
    expect(unsigned.status).toBe(401);
  });

  it('when the production relay gets SIGTERM then it stops cleanly', async () => {
    expect(relay?.exitCode).toBeNull();
    const exited = new Promise<number | null>((resolve) => relay?.once('exit', resolve));
    relay?.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(relayOutput).toContain('"msg":"stopped"');
  });
});
