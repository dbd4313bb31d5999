import { readFileSync } from 'node:fs';
import { ApexErrorListener, ApexParserFactory } from '@apexdevtools/apex-parser';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { listApexSources, rel, REPO_ROOT } from './support/metadata';

class CollectingListener extends ApexErrorListener {
  readonly errors: string[] = [];
  apexSyntaxError(line: number, column: number, message: string): void {
    this.errors.push(`${line}:${column} ${message}`);
  }
}

function syntaxErrors(file: string): string[] {
  const listener = new CollectingListener();
  const { parser } = ApexParserFactory.createLexerAndParser(readFileSync(file, 'utf8'), listener);
  if (file.endsWith('.trigger')) parser.triggerUnit();
  else parser.compilationUnit();
  return listener.errors;
}

const sources = listApexSources();

describe('Apex sources', () => {
  it('exist: classes and triggers under force-app', () => {
    expect(sources.filter((file) => file.endsWith('.cls')).length).toBeGreaterThan(40);
    expect(sources.filter((file) => file.endsWith('.trigger')).length).toBeGreaterThan(0);
  });

  it('when a file has a syntax error then the parser check reports it', () => {
    const listener = new CollectingListener();
    ApexParserFactory.createLexerAndParser(
      'public class Broken { void x( }',
      listener,
    ).parser.compilationUnit();
    expect(listener.errors.length).toBeGreaterThan(0);
  });

  it.each(sources.map((file) => [rel(file), file]))(
    '%s parses with apex-parser without errors',
    (_name, file) => {
      expect(syntaxErrors(file)).toEqual([]);
    },
  );

  it('every class and trigger is formatted by prettier-plugin-apex (a second parse, by Salesforce’s own parser)', () => {
    // Prettier 3 loads plugins with dynamic import(), which Jest's module VM does not allow,
    // so it runs as its own process with the repository's .prettierrc.json.
    const run = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs'),
        '--list-different',
        ...sources.map(rel),
      ],
      { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    expect(run.stderr.trim()).toBe('');
    expect(run.stdout.trim().split('\n').filter(Boolean)).toEqual([]);
    expect(run.status).toBe(0);
  }, 60_000);
});
