import type { Config } from 'jest';

// The relay test project alone, for Stryker's jest runner (the root config's LWC project is no
// concern of mutation testing). run.ts narrows testMatch to one module's test files.
const config: Config = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/relay-service/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: '<rootDir>/relay-service/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/relay-service/test/support/global-teardown.mjs',
};

export default config;
