import type { Config } from 'jest';

/**
 * The relay's Jest project, one definition for the root jest.config.ts (`npm test`) and for
 * relay-service/mutation/jest.config.ts (Stryker runs the relay tests alone). `<rootDir>` is
 * the repository root in both.
 */
export const relayProject: Config = {
  displayName: 'relay',
  testEnvironment: 'node',
  roots: ['<rootDir>/relay-service/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: '<rootDir>/relay-service/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/relay-service/test/support/global-teardown.mjs',
};
