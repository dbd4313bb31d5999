// `npm test`: every Jest project of jest.config.ts, in two runs. The relay's test files mostly
// wait on sockets, timers, PostgreSQL and child processes, so two of them run at a time (a
// third of the relay's time saved on two cores). The Salesforce checks (Graph Engine, PMD and
// apex-ls in Java), the LWC tests and the browser test (Chromium) run one file at a time: with
// a second file beside them, Graph Engine's longest paths run past its per-path time limit.
// Both runs always run; the command fails when either does. With arguments
// (`npm test -- relay-service/test/http`) it is one plain Jest run with them.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
const given = process.argv.slice(2);

const runs = given.length
  ? [given]
  : [
      ['--selectProjects', 'salesforce', 'lwc', 'browser'],
      ['--selectProjects', 'relay', '--maxWorkers=2'],
    ];

let failed = false;
for (const args of runs) {
  const { status, signal } = spawnSync(process.execPath, [jest, ...args], { stdio: 'inherit' });
  if (status !== 0) {
    failed = true;
    if (signal) console.error(`jest ${args.join(' ')} ended by ${signal}`);
  }
}
process.exit(failed ? 1 : 0);
