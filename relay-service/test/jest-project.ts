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
  // npm test runs two relay files at a time on two cores: a test of a few HTTP round trips can
  // take more than Jest's default 5 s there without anything being wrong. A hang still fails.
  testTimeout: 20_000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: '<rootDir>/relay-service/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/relay-service/test/support/global-teardown.mjs',
};
