/**
 * Runs Salesforce Code Analyzer (v5 core and engines, no `sf` CLI) the way the AppExchange
 * security review does, without an org: PMD's AppExchange and security rules over Apex and
 * metadata, the Salesforce Graph Engine's FLS/CRUD and sharing rules over the Apex entry
 * points, and ESLint's LWC rules over the components. Used by code-analyzer.test.ts and by
 * `npm run lint:lwc`.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  CodeAnalyzer,
  CodeAnalyzerConfig,
  EventType,
  LogLevel,
  type EngineLogEvent,
  type LogEvent,
} from '@salesforce/code-analyzer-core';
import * as eslintEngine from '@salesforce/code-analyzer-eslint-engine';
import * as pmdEngine from '@salesforce/code-analyzer-pmd-engine';
import * as sfgeEngine from '@salesforce/code-analyzer-sfge-engine';
import { DEFAULT_DIR, listFiles, REPO_ROOT, stripApexComments } from './metadata';

export type AnalyzerEngine = 'pmd' | 'sfge' | 'eslint';

/** One violation, with its file relative to the repository root when it lies inside it. */
export interface Finding {
  engine: string;
  rule: string;
  file: string;
  line: number;
  message: string;
}

export interface AnalyzerRun {
  engine: AnalyzerEngine;
  /** Rule selectors, e.g. `pmd:Security` (AppExchange rules carry the Security tag too). */
  selectors: string[];
  /** Files and folders the engine may read to understand the targets. */
  workspace: string[];
  /** Files and folders it reports on (the whole workspace when absent). */
  targets?: string[];
}

const PLUGINS = {
  pmd: pmdEngine.createEnginePlugin,
  sfge: sfgeEngine.createEnginePlugin,
  eslint: eslintEngine.createEnginePlugin,
} as const;

/** Engine settings, read once per analyzer; the keys are each engine's documented options. */
export const ENGINE_CONFIG: Record<AnalyzerEngine, Record<string, unknown>> = {
  // PMD parses JavaScript with Rhino, which stops at ES2019 syntax such as `catch {` and
  // reports a processing error; its one JavaScript rule in this selection
  // (AvoidLwcBubblesComposedTrue) is checked by code-analyzer.test.ts itself instead.
  pmd: { file_extensions: { javascript: [] } },
  // 2 cores here: SFGE's default of 8 rule threads only adds contention. The Flow create's
  // paths take about a minute on an idle machine and over two on a loaded one: the limit per
  // entry point is generous, so only a path that really explodes fails.
  sfge: { java_thread_count: 2, java_thread_timeout: 480_000 },
  // Only LWC JavaScript and templates are linted; TypeScript and React configs stay off.
  eslint: { disable_typescript_base_config: true, disable_react_base_config: true },
};

/**
 * Apex classes SFGE starts its paths from: those with methods a user or the platform can call
 * (`@AuraEnabled`, `@InvocableMethod`, `@RemoteAction`, REST resources, `global` members,
 * Queueable/Batchable/Schedulable jobs). Graph analysis of every class would take minutes on
 * two cores; every path from these entry points still runs through the classes they call.
 */
export function apexEntryPointClasses(): string[] {
  const entryPoint =
    /@(AuraEnabled|InvocableMethod|RemoteAction|RestResource)\b|\bglobal\s|implements\s[^{]*\b(Queueable|Database\.Batchable|Schedulable)\b/i;
  return listFiles(join(DEFAULT_DIR, 'classes'), ['.cls']).filter((file) =>
    entryPoint.test(stripApexComments(readFileSync(file, 'utf8'))),
  );
}

/** The three runs `npm test` makes over the package. */
export function packageRuns(): AnalyzerRun[] {
  return [
    {
      engine: 'pmd',
      selectors: ['pmd:Security'],
      workspace: [join(REPO_ROOT, 'force-app')],
    },
    {
      engine: 'sfge',
      selectors: ['sfge:Security'],
      workspace: [DEFAULT_DIR],
      targets: apexEntryPointClasses(),
    },
    {
      engine: 'eslint',
      selectors: ['eslint:Recommended'],
      workspace: [join(DEFAULT_DIR, 'lwc')],
    },
  ];
}

function relativeToRepo(file: string | undefined): string {
  if (!file) return '';
  const path = relative(REPO_ROOT, file);
  return path.startsWith('..') ? file : path;
}

const SFGE_INTERNAL_ERROR =
  /Internal execution error while scanning entry point: (.+?):(\d+):\d+: ([^.]+\.)[\s\S]*?Error and stacktrace: (\w+)(?:[\s\S]*?DefiningType=(\w+), EndLine=(\d+))?/;

/**
 * SFGE logs an entry point it could not follow to the end (an Apex construct it does not
 * model) as an error, not a violation. That path is unverified, so it is reported as a finding
 * of its own, `sfge:InternalExecutionError`, pointing at the entry point and at the construct.
 */
function sfgeInternalError(message: string): Finding | undefined {
  const match = SFGE_INTERNAL_ERROR.exec(message);
  if (!match) return undefined;
  const [, file, line, summary, exception, type, typeLine] = match;
  const where = type ? ` at ${type}.cls:${typeLine}` : '';
  return {
    engine: 'sfge',
    rule: 'InternalExecutionError',
    file: relativeToRepo(file),
    line: Number(line),
    message: `${summary} (${exception}${where})`,
  };
}

/** An engine added to its own Code Analyzer, with its rules selected, ready to run. */
export interface PreparedRun {
  run: AnalyzerRun;
  /** Runs the selected rules; resolves to every violation left after inline suppressions. */
  analyze(): Promise<Finding[]>;
}

/**
 * Adds one engine and selects its rules. Engine errors fail, so a broken Java or ESLint setup
 * fails loudly instead of finding nothing; only SFGE's unfollowable entry points come back as
 * findings. Rule selection starts each engine's Java or ESLint and checks the Java version:
 * prepare the engines one after the other (side by side they can time out on a loaded
 * machine), then analyze them side by side. `workDir` receives logs and working files.
 */
export async function prepareCodeAnalyzer(run: AnalyzerRun, workDir: string): Promise<PreparedRun> {
  const analyzer = new CodeAnalyzer(
    CodeAnalyzerConfig.fromObject({
      config_root: REPO_ROOT,
      log_folder: workDir,
      root_working_folder: workDir,
      // Jest tests are not part of the package (.forceignore drops them).
      ignores: { files: ['**/__tests__/**', '**/node_modules/**', 'force-app/test/offline/**'] },
      engines: { [run.engine]: ENGINE_CONFIG[run.engine] },
    }),
  );
  const errors: string[] = [];
  const unfollowed: Finding[] = [];
  const failIfErrors = (stage: string) => {
    if (errors.length)
      throw new Error(`Code Analyzer (${run.engine}) failed to ${stage}:\n${errors.join('\n')}`);
  };
  analyzer.onEvent(EventType.LogEvent, (event: LogEvent) => {
    if (event.logLevel === LogLevel.Error) errors.push(event.message);
  });
  analyzer.onEvent(EventType.EngineLogEvent, (event: EngineLogEvent) => {
    if (event.logLevel !== LogLevel.Error) return;
    const finding = event.engineName === 'sfge' ? sfgeInternalError(event.message) : undefined;
    if (finding) unfollowed.push(finding);
    else errors.push(`${event.engineName}: ${event.message}`);
  });
  await analyzer.addEnginePlugin(PLUGINS[run.engine]());
  const workspace = await analyzer.createWorkspace(run.workspace, run.targets);
  const rules = await analyzer.selectRules(run.selectors, { workspace });
  failIfErrors('select rules');
  if (rules.getCount() === 0) throw new Error(`No rule matches ${run.selectors.join(', ')}`);
  return {
    run,
    async analyze() {
      const results = await analyzer.run(rules, { workspace });
      failIfErrors('run');
      const violations = results.getViolations().map((violation) => {
        const location = violation.getPrimaryLocation();
        return {
          engine: violation.getRule().getEngineName(),
          rule: violation.getRule().getName(),
          file: relativeToRepo(location.getFile()),
          line: location.getStartLine() ?? 0,
          message: violation.getMessage().replace(/\s+/g, ' ').trim(),
        };
      });
      return [...violations, ...unfollowed];
    },
  };
}

/** Prepares and runs one engine. */
export async function runCodeAnalyzer(run: AnalyzerRun, workDir: string): Promise<Finding[]> {
  return (await prepareCodeAnalyzer(run, workDir)).analyze();
}

/** `file:line engine:rule message`, the form reports and test failures show. */
export function formatFinding(finding: Finding): string {
  return `${finding.file}:${finding.line} ${finding.engine}:${finding.rule} ${finding.message}`;
}
