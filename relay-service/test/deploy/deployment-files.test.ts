import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { configSchema, loadConfig } from '../../src/config/config';
import { REPO_ROOT } from '../support/processes';

/**
 * No Docker daemon runs here, so the Dockerfile, compose.yaml and the load balancer's
 * configuration are checked against what they depend on: the package.json scripts, the build's
 * layout, the relay's configuration keys and each other. (That the built file runs without dev
 * dependencies is production-start.test.ts.)
 */

const read = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const rootPackage = JSON.parse(read('package.json')) as { scripts: Record<string, string> };

interface Instruction {
  stage: string;
  keyword: string;
  args: string;
}

/** Dockerfile instructions with continuation lines joined, each tagged with its stage name. */
function dockerfile(): Instruction[] {
  const joined = read('Dockerfile')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  const instructions: Instruction[] = [];
  let stage = '';
  for (const line of joined.split('\n')) {
    const match = /^\s*([A-Z]+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const [, keyword = '', args = ''] = match;
    if (keyword === 'FROM') stage = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? '';
    instructions.push({ stage, keyword, args: args.trim() });
  }
  return instructions;
}

const instructions = dockerfile();
const stages = [...new Set(instructions.map((i) => i.stage))];
const runtimeStage = stages[stages.length - 1] ?? '';
const inRuntime = (keyword: string) =>
  instructions.filter((i) => i.stage === runtimeStage && i.keyword === keyword);

/** The environment the image sets (ENV), as the relay receives it. */
const imageEnv = Object.fromEntries(
  inRuntime('ENV').flatMap((i) => i.args.split(/\s+/).map((pair) => pair.split('='))),
) as Record<string, string>;

const compose = parseYaml(read('compose.yaml'), { merge: true }) as {
  services: Record<
    string,
    {
      build?: unknown;
      image?: string;
      environment?: Record<string, string>;
      volumes?: string[];
      depends_on?: Record<string, unknown>;
    }
  >;
};
const relayServices = Object.entries(compose.services).filter(([, service]) => service.build);

describe('Dockerfile', () => {
  it('when built then its last stage runs the file start:prod runs, with node itself', () => {
    const cmd = inRuntime('CMD');
    expect(cmd).toHaveLength(1);
    const command = JSON.parse(cmd[0]?.args ?? '[]') as string[];
    expect(command.join(' ')).toBe(rootPackage.scripts['start:prod']);
  });

  it('when the runtime stage is built then it copies the build output the CMD file lives in', () => {
    const [, entry] = JSON.parse(inRuntime('CMD')[0]?.args ?? '[]') as string[];
    // npm run build writes relay-service/<rootDir-relative path> under outDir.
    const build = JSON.parse(read('relay-service/tsconfig.build.json')) as {
      compilerOptions: { outDir: string; rootDir: string };
      include: string[];
    };
    const outDir = path.posix.join('relay-service', build.compilerOptions.outDir);
    expect(entry?.startsWith(`${outDir}/`)).toBe(true);
    const source = path.posix
      .join(
        'relay-service',
        build.compilerOptions.rootDir,
        path.posix.relative(outDir, entry ?? ''),
      )
      .replace(/\.js$/, '.ts');
    expect(existsSync(path.join(REPO_ROOT, source))).toBe(true);
    expect(inRuntime('COPY').map((i) => i.args)).toContainEqual(
      expect.stringMatching(new RegExp(`^--from=\\S+ /app/${outDir} ${outDir}$`)),
    );
    // Everything tsc compiles is copied into the build stage.
    const copied = instructions.filter((i) => i.keyword === 'COPY').map((i) => i.args);
    for (const folder of build.include)
      expect(copied).toContain(`relay-service/${folder} relay-service/${folder}`);
  });

  it('when deployed then dependencies are installed from the lockfile without dev ones', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((run) => run.includes('npm ci --omit=dev'))).toBe(true);
    expect(runs.some((run) => /npm (install|i)\b/.test(run))).toBe(false);
    expect(runs.some((run) => run.includes('npm run build'))).toBe(true);
  });

  it('when it runs then it is Node 24 on a slim image, as a non-root user, with a /healthz check', () => {
    const from = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args);
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(read('Dockerfile'))?.[1] ?? '';
    expect(image).toMatch(/^node:24[.\w-]*-slim$/);
    expect(from.every((args) => args.startsWith('${NODE_IMAGE}'))).toBe(true);
    const user = inRuntime('USER');
    expect(user).toHaveLength(1);
    expect(user[0]?.args).not.toMatch(/^(root|0)$/);
    const healthcheck = inRuntime('HEALTHCHECK')[0]?.args ?? '';
    expect(healthcheck).toContain('/healthz');
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('when the image sets environment variables then each is a relay configuration key', () => {
    const keys = Object.keys(imageEnv);
    expect(keys.length).toBeGreaterThan(0);
    const known = Object.keys(configSchema.shape);
    expect(keys.filter((key) => !known.includes(key))).toEqual([]);
  });

  it('when the build context is sent then it leaves out node_modules, builds, data and .env', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    expect(ignored).toEqual(
      expect.arrayContaining(['**/node_modules', '**/dist', '**/.data', '.env', '.git']),
    );
    // Nothing the Dockerfile copies from the context is ignored.
    const copiedFromContext = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const source of copiedFromContext) {
      expect(existsSync(path.join(REPO_ROOT, source))).toBe(true);
      expect(
        ignored.filter((pattern) => source === pattern || source.startsWith(`${pattern}/`)),
      ).toEqual([]);
    }
  });
});

describe('compose.yaml', () => {
  const sampleEnv: Record<string, string> = {
    POSTGRES_PASSWORD: 'sample-password',
    RELAY_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
    RELAY_METRICS_TOKEN: 'sample-metrics-token-0123456789abcdef0123456789',
  };
  /** Compose's `${VAR:?message}` / `${VAR:-default}` with the sample environment. */
  const interpolate = (value: string) =>
    value.replace(/\$\{(\w+)(?::([?-])([^}]*))?\}/g, (_all, name: string, kind, rest: string) => {
      const given = sampleEnv[name];
      if (given !== undefined) return given;
      if (kind === '?') throw new Error(`${name} is required by compose.yaml`);
      return kind === '-' ? rest : '';
    });

  it('when started then two or more relay instances are built from the Dockerfile', () => {
    expect(relayServices.length).toBeGreaterThanOrEqual(2);
    for (const [, service] of relayServices) expect(service.build).toBe('.');
  });

  it('when a relay instance starts then its environment is a valid production configuration on PostgreSQL', () => {
    const known = Object.keys(configSchema.shape);
    for (const [name, service] of relayServices) {
      const environment = service.environment ?? {};
      expect({ name, unknown: Object.keys(environment).filter((k) => !known.includes(k)) }).toEqual(
        { name, unknown: [] },
      );
      const resolved = Object.fromEntries(
        Object.entries(environment).map(([key, value]) => [key, interpolate(String(value))]),
      );
      const config = loadConfig({ ...imageEnv, ...resolved });
      expect(config.env).toBe('production');
      expect(config.store.engine).toBe('postgres');
      expect(config.metricsToken).toBeDefined();
      const database = new URL(resolved.DATABASE_URL ?? '');
      expect(compose.services[database.hostname]).toBeDefined();
      expect(service.depends_on).toHaveProperty(database.hostname);
    }
  });

  it('when the load balancer starts then it balances over exactly the relay instances on their port', () => {
    const balancer = Object.values(compose.services).find((service) =>
      service.volumes?.some((volume) => volume.startsWith('./deploy/nginx.conf:')),
    );
    expect(balancer).toBeDefined();
    const nginx = read('deploy/nginx.conf');
    const upstream = [...nginx.matchAll(/^\s*server\s+([\w-]+):(\d+)\b/gm)].map(
      ([, host, port]) => `${host}:${port}`,
    );
    const port = loadConfig({ PORT: imageEnv.PORT }).port;
    expect(upstream.sort()).toEqual(relayServices.map(([name]) => `${name}:${port}`).sort());
    expect(Object.keys(balancer?.depends_on ?? {}).sort()).toEqual(
      relayServices.map(([name]) => name).sort(),
    );
    // The signed request line must reach the relay as sent: proxy_pass without a URI part.
    expect(nginx).toMatch(/proxy_pass http:\/\/\w+;/);
  });
});
