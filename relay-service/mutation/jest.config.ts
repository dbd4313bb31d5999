/**
 * Loaded as CommonJS through ts-node on every Node, as the root jest.config.ts is.
 * @jest-config-loader ts-node
 */
import type { Config } from 'jest';
import { relayProject } from '../test/jest-project';

// The relay test project alone, for Stryker's jest runner (the root config's LWC project is no
// concern of mutation testing). run.ts narrows testMatch to one module's test files.
const config: Config = { rootDir: '../..', ...relayProject };

export default config;
