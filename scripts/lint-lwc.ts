/**
 * `npm run lint:lwc`: the Lightning Web Components through ESLint with Salesforce's LWC rules
 * (@salesforce/eslint-config-lwc recommended, @lwc/eslint-plugin-lwc,
 * @salesforce/eslint-plugin-lightning), run by Code Analyzer's ESLint engine with its own
 * ESLint 9 — the repository's ESLint 10 cannot load those configs. Prints one line per
 * violation and exits non-zero when there is any.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatFinding,
  packageRuns,
  runCodeAnalyzer,
} from '../force-app/test/offline/support/code-analyzer';

async function main(): Promise<number> {
  const run = packageRuns().find((candidate) => candidate.engine === 'eslint');
  if (!run) throw new Error('no ESLint run is defined for the package');
  const work = mkdtempSync(join(tmpdir(), 'pharos-lint-lwc-'));
  try {
    const findings = await runCodeAnalyzer(run, work);
    for (const finding of findings) console.log(formatFinding(finding));
    console.log(
      findings.length ? `LWC lint: ${findings.length} violation(s)` : 'LWC lint: no violation',
    );
    return findings.length ? 1 : 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);
