import path from 'node:path';
import type { PartialStrykerOptions } from '@stryker-mutator/api/core' with {
  'resolution-mode': 'import',
};
import type { MutationModule } from './modules';

/**
 * Stryker's options for one module: its files mutated, only its test files run (through the
 * relay-only jest config), coverage per test so a mutant runs just the tests that reach it.
 */
export function strykerOptionsFor(
  module: MutationModule,
  reportsDir: string,
): PartialStrykerOptions {
  return {
    testRunner: 'jest',
    plugins: ['@stryker-mutator/jest-runner'],
    jest: {
      projectType: 'custom',
      configFile: 'relay-service/mutation/jest.config.ts',
      config: { testMatch: module.tests.map((file) => `<rootDir>/${file}`) },
      enableFindRelatedTests: false,
    },
    coverageAnalysis: 'perTest',
    mutate: module.mutate,
    // Mutated TypeScript need not type-check: ts-jest transpiles each file on its own.
    disableTypeChecks: 'relay-service/{src,test}/**/*.ts',
    ignorePatterns: ['relay-service/mutation/reports', '.data', 'force-app/main/default/lwc'],
    concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 2),
    timeoutMS: 20_000,
    timeoutFactor: 2,
    // event-recorder writes each mutant's result as it is known (reports/<module>-events/), so
    // a run stopped before its end still says which mutants survived.
    reporters: ['progress', 'clear-text', 'html', 'json', 'event-recorder'],
    eventReporter: { baseDir: path.join(reportsDir, `${module.name}-events`) },
    htmlReporter: { fileName: path.join(reportsDir, `${module.name}.html`) },
    jsonReporter: { fileName: path.join(reportsDir, `${module.name}.json`) },
    tempDirName: '.stryker-tmp',
    cleanTempDir: true,
    incremental: process.env.MUTATION_INCREMENTAL === '1',
    incrementalFile: path.join(reportsDir, `${module.name}.incremental.json`),
  };
}
