import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MODULES } from '../../mutation/modules';
import { strykerOptionsFor } from '../../mutation/stryker-options';

/**
 * `npm run mutation` is slow and not part of `npm test`; this checks quickly that what it would
 * run is there: every module's files and tests exist, and Stryker runs exactly those tests.
 */
const ROOT = path.resolve(__dirname, '../../..');

describe('the mutation testing configuration', () => {
  it('when the modules are listed then each covers the guard the issue names, once', () => {
    expect(MODULES.map((m) => m.name)).toEqual([
      'signing',
      'credentials',
      'minimisation',
      'merge-fields',
      'idempotency',
      'upstream',
      'sanitizer',
      'policy',
      'outbox',
      'routing',
    ]);
  });

  it.each(MODULES.map((m) => [m.name, m] as const))(
    'when module %s is run then every file it mutates and every test it runs exists',
    (_name, module) => {
      expect(module.mutate.length).toBeGreaterThan(0);
      expect(module.tests.length).toBeGreaterThan(0);
      const missing = [...module.mutate, ...module.tests].filter(
        (file) => !existsSync(path.join(ROOT, file)),
      );
      expect(missing).toEqual([]);
      expect(module.mutate.every((file) => file.startsWith('relay-service/src/'))).toBe(true);
      expect(module.tests.every((file) => file.endsWith('.test.ts'))).toBe(true);
      expect(module.engines.length).toBeGreaterThan(0);
    },
  );

  it("when a module's code differs by store engine then its mutants run on both engines, or a test run on both guards the PostgreSQL branch", () => {
    const engineSpecific = MODULES.filter((m) =>
      m.mutate.some((file) =>
        /engine === '(sqlite|postgres)'/.test(readFileSync(path.join(ROOT, file), 'utf8')),
      ),
    );
    expect(engineSpecific.map((m) => m.name)).toEqual(['outbox']);
    for (const module of engineSpecific) {
      if (module.engines.includes('postgres')) continue;
      const guard = module.postgresBranchTest;
      expect(guard).toBeDefined();
      const source = readFileSync(path.join(ROOT, guard ?? ''), 'utf8');
      // Run by npm test on every engine (describe.each over ENGINES).
      expect(source).toMatch(/describe\.each\(ENGINES\)/);
      expect(module.tests).toContain(guard);
    }
    for (const module of MODULES.filter((m) => !engineSpecific.includes(m)))
      expect(module.postgresBranchTest).toBeUndefined();
  });

  it('when Stryker is configured for a module then it mutates that module and runs only its tests', () => {
    const [module] = MODULES;
    if (!module) throw new Error('no mutation module');
    const options = strykerOptionsFor(module, '/tmp/reports');
    expect(options).toMatchObject({
      testRunner: 'jest',
      coverageAnalysis: 'perTest',
      mutate: module.mutate,
      jest: {
        projectType: 'custom',
        configFile: 'relay-service/mutation/jest.config.ts',
        config: { testMatch: module.tests.map((file) => `<rootDir>/${file}`) },
      },
      jsonReporter: { fileName: `/tmp/reports/${module.name}.json` },
    });
    expect(existsSync(path.join(ROOT, 'relay-service/mutation/jest.config.ts'))).toBe(true);
  });

  it('when npm test runs then Stryker does not, and npm run mutation does', () => {
    const scripts = (
      JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts.test).toBe('node scripts/test.mjs');
    // The test runner starts Jest on jest.config.ts only; Stryker is never part of it.
    expect(readFileSync(path.join(ROOT, 'scripts/test.mjs'), 'utf8')).not.toMatch(
      /stryker|mutation/i,
    );
    expect(scripts.mutation).toBe('tsx relay-service/mutation/run.ts');
  });
});
