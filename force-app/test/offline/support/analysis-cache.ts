/**
 * A content-addressed record of clean PMD and Graph Engine runs, so that a second `npm test`
 * over the same sources (CI's Node 24 pass, a developer's rerun) does not spend minutes of Java
 * repeating an analysis whose answer cannot have changed. The key holds everything the answer
 * depends on: the engine, its rules and settings, the bytes of every file it may read, the
 * canary, the analyzer packages' versions and the Java runtime. Node's version is not in it:
 * both engines run in Java. Only a clean run is recorded (nothing found in the package, the
 * canary's violation found), so a failure or an unfollowed path is analyzed again every time.
 *
 * `PHAROS_ANALYZER_CACHE=off` always analyzes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalyzerRun, Finding } from './code-analyzer';
import { listFiles, REPO_ROOT } from './metadata';

const CACHE_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'pharos-code-analyzer');

const ANALYZER_PACKAGES = [
  '@salesforce/code-analyzer-core',
  '@salesforce/code-analyzer-pmd-engine',
  '@salesforce/code-analyzer-sfge-engine',
];

/** What the analyzer is told to ignore (see prepareCodeAnalyzer): not read, so not in the key. */
const IGNORED = /\/__tests__\/|\/force-app\/test\/offline\//;

export interface CleanAnalysis {
  /** What the engine reported on the canary (the package itself had nothing). */
  canary: Finding[];
}

function packageVersion(name: string): string {
  const manifest = JSON.parse(
    readFileSync(join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  return `${name}@${manifest.version}`;
}

function javaVersion(): string {
  try {
    return execFileSync('java', ['-version'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    // `java -version` writes to stderr; a missing Java gives a key no clean run ever wrote.
    return String((error as { stderr?: string }).stderr ?? error);
  }
}

/**
 * The run's key. `settings` are the engine's configuration; `extraSources` the files added to
 * the workspace for this run (the canary), whose content counts but whose random folder does not.
 */
export function analysisKey(
  run: AnalyzerRun,
  settings: unknown,
  extraSources: readonly string[],
): string {
  const hash = createHash('sha256');
  const add = (part: string) => hash.update(`${part.length}:${part}`);
  add(JSON.stringify({ engine: run.engine, selectors: run.selectors, settings }));
  for (const name of ANALYZER_PACKAGES) add(packageVersion(name));
  add(javaVersion());
  const extras = new Set(extraSources);
  const relative = (file: string) =>
    file.startsWith(REPO_ROOT) ? file.slice(REPO_ROOT.length) : file;
  for (const target of run.targets ?? []) {
    if (!extras.has(target)) add(`target ${relative(target)}`);
  }
  for (const root of run.workspace.filter((entry) => !extras.has(entry))) {
    for (const file of listFiles(root, ['']).filter((path) => !IGNORED.test(path))) {
      add(`file ${relative(file)}`);
      hash.update(readFileSync(file));
    }
  }
  for (const file of extraSources) hash.update(readFileSync(file));
  return hash.digest('hex');
}

export function cacheEnabled(): boolean {
  return process.env.PHAROS_ANALYZER_CACHE !== 'off';
}

export function readCleanAnalysis(engine: string, key: string): CleanAnalysis | undefined {
  if (!cacheEnabled()) return undefined;
  try {
    return JSON.parse(
      readFileSync(join(CACHE_DIR, `${engine}-${key}.json`), 'utf8'),
    ) as CleanAnalysis;
  } catch {
    return undefined;
  }
}

export function recordCleanAnalysis(engine: string, key: string, analysis: CleanAnalysis): void {
  mkdirSync(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, `${engine}-${key}.json`);
  // Written aside and renamed, so a run stopped halfway never leaves half a record.
  writeFileSync(`${file}.${process.pid}`, JSON.stringify(analysis));
  renameSync(`${file}.${process.pid}`, file);
}
