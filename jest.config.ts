/**
 * Node 22.18+ and 24 would load this file with their own type stripping, as an ES module, where
 * `require` does not exist; ts-node loads it as CommonJS on every Node.
 * @jest-config-loader ts-node
 */
import type { Config } from 'jest';
import { relayProject } from './relay-service/test/jest-project';

// One `npm test` runs every test project. The LWC preset reads sfdx-project.json from the
// current folder, so Jest is always run from the repository root.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { jestConfig: lwcJestConfig } = require('@salesforce/sfdx-lwc-jest/config');

const config: Config = {
  projects: [
    relayProject,
    {
      displayName: 'salesforce',
      testEnvironment: 'node',
      roots: ['<rootDir>/force-app/test/offline'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
    },
    {
      // The sandbox in a real browser: Playwright drives headless Chromium through every
      // screen (run alone with `npx jest --selectProjects browser`).
      displayName: 'browser',
      testEnvironment: 'node',
      roots: ['<rootDir>/sandbox/test/browser'],
      testMatch: ['**/*.browser.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
    },
    {
      ...lwcJestConfig,
      displayName: 'lwc',
      roots: ['<rootDir>/force-app'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/force-app/test/offline/'],
    },
  ],
};

export default config;
