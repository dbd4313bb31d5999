/**
 * `npm run mutation [-- module…]`: StrykerJS over the relay's security and correctness code,
 * one run per module (modules.ts) with only that module's tests, so one module takes minutes.
 * Starts one PostgreSQL for all runs (the tests' globalSetup then uses it instead of starting
 * their own per test run), prints each module's score and writes the reports to
 * relay-service/mutation/reports/ (HTML per module, and summary.json).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MODULES, type MutationModule } from './modules';
import { strykerOptionsFor } from './stryker-options';

const REPO_ROOT = path.resolve(__dirname, '../..');
const REPORTS = path.join(REPO_ROOT, 'relay-service/mutation/reports');

interface ModuleScore {
  module: string;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  /** Mutants that did not compile or ran into a runtime error: not counted in the score. */
  invalid: number;
  score: number;
  survivors: string[];
  seconds: number;
}

function usage(): string {
  return `usage: npm run mutation [-- <module>…]   modules: ${MODULES.map((m) => m.name).join(', ')}`;
}

function selectedModules(args: string[]): MutationModule[] {
  if (args.length === 0) return MODULES;
  return args.map((name) => {
    const found = MODULES.find((m) => m.name === name);
    if (!found) {
      console.error(`unknown module "${name}"\n${usage()}`);
      process.exit(2);
    }
    return found;
  });
}

async function runModule(module: MutationModule): Promise<ModuleScore> {
  const { Stryker } = await import('@stryker-mutator/core');
  for (const file of module.tests) {
    if (!existsSync(path.join(REPO_ROOT, file))) throw new Error(`${module.name}: no test ${file}`);
  }
  // Read by test/support/stores.ts in Stryker's test processes, which inherit this environment.
  process.env.PHAROS_TEST_ENGINES = module.engines.join(',');
  const started = Date.now();
  const stryker = new Stryker(strykerOptionsFor(module, REPORTS));
  const results = await stryker.runMutationTest();
  const count = (...statuses: string[]) =>
    results.filter((result) => statuses.includes(result.status)).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const detected = killed + timeout;
  const valid = detected + survived + noCoverage;
  return {
    module: module.name,
    killed,
    timeout,
    survived,
    noCoverage,
    invalid: count('CompileError', 'RuntimeError'),
    score: valid === 0 ? 100 : Math.floor((detected / valid) * 10_000) / 100,
    survivors: results
      .filter((result) => result.status === 'Survived' || result.status === 'NoCoverage')
      .map((result) =>
        `${result.fileName}:${result.location.start.line} ${result.mutatorName} ${result.replacement ?? ''}`.trim(),
      ),
    seconds: Math.round((Date.now() - started) / 1000),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help')) {
    console.log(usage());
    return;
  }
  const modules = selectedModules(args);
  mkdirSync(REPORTS, { recursive: true });
  process.chdir(REPO_ROOT);
  // One PostgreSQL for every test run of every module (the test harness's own setup, untyped).
  const hook = async (file: string) =>
    (
      (await import(path.join(REPO_ROOT, 'relay-service/test/support', file))) as {
        default: () => Promise<void>;
      }
    ).default;
  const startPostgres = await hook('global-setup.mjs');
  const stopPostgres = await hook('global-teardown.mjs');
  await startPostgres();
  const scores: ModuleScore[] = [];
  try {
    for (const module of modules) {
      try {
        scores.push(await runModule(module));
      } catch (error) {
        // One module's broken run (e.g. a failing test in the initial run) does not stop the rest.
        console.error(`${module.name}: ${String(error)}`);
        process.exitCode = 1;
      }
    }
  } finally {
    await stopPostgres();
  }
  writeFileSync(path.join(REPORTS, 'summary.json'), `${JSON.stringify(scores, null, 2)}\n`);
  console.log('\n| module | killed | timeout | survived | no coverage | score | time |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const s of scores) {
    console.log(
      `| ${s.module} | ${s.killed} | ${s.timeout} | ${s.survived} | ${s.noCoverage} | ${s.score.toFixed(2)} % | ${s.seconds} s |`,
    );
  }
  for (const s of scores) {
    if (s.survivors.length) console.log(`\n${s.module} survivors:\n  ${s.survivors.join('\n  ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
