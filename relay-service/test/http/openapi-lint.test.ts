import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const CLI = require.resolve('@redocly/cli/bin/cli.js', { paths: [ROOT] });

interface LintRun {
  status: number | null;
  problems: { ruleId: string; severity: string; location: { pointer: string }[] }[];
}

/** Runs `redocly lint` as `npm run lint:openapi` does, on the given document (or the relay's). */
function lint(root?: string): LintRun {
  const args = [
    CLI,
    'lint',
    ...(root ? [root, '--config', path.join(ROOT, 'redocly.yaml')] : ['relay']),
  ];
  const run = spawnSync(process.execPath, [...args, '--format=json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    timeout: 120_000,
  });
  const json = run.stdout.slice(run.stdout.indexOf('{'));
  const parsed = JSON.parse(json) as { problems: LintRun['problems'] };
  return {
    status: run.status,
    problems: parsed.problems.filter((p) => !('ignored' in p && p.ignored)),
  };
}

describe('relay-service/openapi.yaml under Redocly lint (recommended rules)', () => {
  it('when linted then it has no problem besides the documented exceptions', () => {
    const run = lint();
    expect(run.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`)).toEqual([]);
    expect(run.status).toBe(0);
  });

  it('when an operation loses its operationId then lint fails', () => {
    const source = readFileSync(path.join(ROOT, 'relay-service/openapi.yaml'), 'utf8');
    const broken = source.replace(/^ {6}operationId: listConnections\n/m, '');
    expect(broken).not.toBe(source);
    const folder = mkdtempSync(path.join(os.tmpdir(), 'openapi-lint-'));
    const file = path.join(folder, 'openapi.yaml');
    writeFileSync(file, broken);
    const run = lint(file);
    expect(run.status).not.toBe(0);
    expect(run.problems.map((p) => p.ruleId)).toEqual(
      expect.arrayContaining(['operation-operationId']),
    );
  });
});
