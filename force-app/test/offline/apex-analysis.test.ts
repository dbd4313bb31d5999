import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listApexSources, rel, REPO_ROOT, stripApexComments } from './support/metadata';

const JAVA_LIB = join(
  REPO_ROOT,
  'node_modules',
  '@salesforce',
  'code-analyzer-pmd-engine',
  'dist',
  'java-lib',
);
const CLASSPATH = `${JAVA_LIB}/*`;

interface ApexLsReport {
  files?: Array<{
    path: string;
    messages: Array<{ category: string; message: string; start: { line: number } }>;
  }>;
}

interface PmdViolation {
  rule: string;
  message: string;
  codeLocation: { file: string; startLine: number };
}

describe('apex-ls semantic check', () => {
  it('when run over the project then it finds no unknown type, method, field or label', () => {
    const run = spawnSync(
      'java',
      [
        '-cp',
        CLASSPATH,
        'io.github.apexdevtools.apexls.CheckForIssues',
        '-w',
        '.',
        '-n',
        '-f',
        'json',
      ],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const jsonStart = run.stdout.indexOf('{');
    const report = (jsonStart >= 0 ? JSON.parse(run.stdout.slice(jsonStart)) : {}) as ApexLsReport;
    const issues = (report.files ?? []).flatMap((file) =>
      file.messages.map(
        (message) => `${file.path}:${message.start.line} ${message.category}: ${message.message}`,
      ),
    );
    expect(issues).toEqual([]);
    expect(run.status).toBe(0);
  });
});

describe('PMD Apex security and performance rules', () => {
  let violations: PmdViolation[] = [];
  let processingErrors: unknown[] = [];

  beforeAll(() => {
    const work = mkdtempSync(join(tmpdir(), 'pharos-pmd-'));
    try {
      const ruleset = join(work, 'ruleset.xml');
      writeFileSync(
        ruleset,
        `<?xml version="1.0" encoding="UTF-8"?>
<ruleset name="Pharos Jira Apex" xmlns="http://pmd.sourceforge.net/ruleset/2.0.0">
  <description>Apex security and performance</description>
  <rule ref="category/apex/security.xml"/>
  <rule ref="category/apex/performance.xml"/>
</ruleset>
`,
      );
      const input = join(work, 'input.json');
      writeFileSync(
        input,
        JSON.stringify({
          ruleSetInputFile: ruleset,
          runDataPerLanguage: { apex: { filesToScan: listApexSources() } },
        }),
      );
      const output = join(work, 'results.json');
      const run = spawnSync(
        'java',
        ['-cp', CLASSPATH, 'com.salesforce.sfca.pmdwrapper.PmdWrapper', 'run', input, output],
        {
          cwd: REPO_ROOT,
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        },
      );
      if (run.status !== 0) throw new Error(`PMD failed: ${run.stderr}`);
      const results = JSON.parse(readFileSync(output, 'utf8')) as {
        violations: PmdViolation[];
        processingErrors: unknown[];
      };
      violations = results.violations;
      processingErrors = results.processingErrors;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('when run over every class and trigger then it reports no violation and no processing error', () => {
    expect(processingErrors).toEqual([]);
    expect(
      violations.map(
        (violation) =>
          `${rel(violation.codeLocation.file)}:${violation.codeLocation.startLine} ${violation.rule}: ${violation.message}`,
      ),
    ).toEqual([]);
  });

  it('when a rule is suppressed with NOPMD then the comment names the rule and says why', () => {
    for (const file of listApexSources()) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const suppression = /\/\/\s*NOPMD(.*)$/.exec(line);
        if (suppression) expect(suppression[1]).toMatch(/^\s+[A-Za-z]+:\s+\S.{10,}/);
      }
    }
  });
});

describe('Apex security conventions', () => {
  const main = listApexSources().filter((file) => rel(file).startsWith('force-app/main/'));

  it.each(main.map((file) => [rel(file), file]))(
    '%s: classes are declared with sharing',
    (_name, file) => {
      const code = stripApexComments(readFileSync(file, 'utf8'));
      // Two exceptions, writes that must reach links other users own: the writer of the links'
      // Jira fields, a copy of Jira's values that users only read (JiraLinkStatusWriter's
      // comment), the writer of what the health check found on templates (JiraHealthWriter's
      // comment), and the one delete of an unlinked link (JiraLinks.LinkDeletion's comment).
      const sharing = /(JiraLinkStatusWriter|JiraHealthWriter)\.cls$/.test(file)
        ? 'without sharing'
        : 'with sharing';
      if (file.endsWith('.cls'))
        expect(code).toMatch(
          new RegExp(`^\\s*(public|global)\\s+(virtual\\s+|abstract\\s+)?${sharing} class\\s`, 'm'),
        );
      const exempt = /JiraLinks\.cls$/.test(file)
        ? code.replace(/\bprivate without sharing class LinkDeletion\s/, '')
        : code;
      if (sharing === 'with sharing') expect(exempt).not.toMatch(/without sharing/i);
    },
  );

  it.each(main.map((file) => [rel(file), file]))(
    '%s: queries run in user mode and DML runs as user',
    (_name, file) => {
      const code = stripApexComments(readFileSync(file, 'utf8'));
      for (const query of code.match(/\[\s*SELECT[\s\S]*?\]/gi) ?? []) {
        // System mode only for the running user's own record access (UserRecordAccess), a
        // system view user mode adds nothing to.
        if (/FROM\s+UserRecordAccess\b/.test(query) && /RecordAccessSelector\.cls$/.test(file))
          expect(query).toMatch(/WITH SYSTEM_MODE/);
        // And for who holds the Jira_Admin permission set and the notification type's id: setup
        // data the admin who scheduled the health check may not be allowed to query; only ids
        // leave JiraHealthNotifier.
        else if (
          /FROM\s+(PermissionSetAssignment|CustomNotificationType)\b/.test(query) &&
          /JiraHealthNotifier\.cls$/.test(file)
        )
          expect(query).toMatch(/WITH SYSTEM_MODE/);
        else expect(query).toMatch(/WITH USER_MODE/);
      }
      for (const call of code.match(
        /Database\.(query|queryWithBinds|insert|update|upsert|delete)\([^;]*;/g,
      ) ?? []) {
        expect(call).toMatch(/AccessLevel\.(USER_MODE|SYSTEM_MODE)/);
        // System mode only for the protected setting, which no user can access by design, for
        // audit rows Apex raises itself (users only read audit events), for the links' copy
        // of Jira's status (users only read it) and for deleting a link on unlink (links are
        // read-only to users; the record-access check comes first), and for what the health
        // check records (template health fields users only read, the protected connection state).
        if (call.includes('SYSTEM_MODE')) {
          expect(file).toMatch(
            /(RelaySettings|JiraAuditTrail|JiraLinks|JiraLinkStatusWriter|JiraHealthWriter)\.cls$/,
          );
          if (/JiraLinks\.cls$/.test(file)) expect(call).toMatch(/^Database\.delete\(/);
        }
      }
      expect(code).not.toMatch(/^\s*(insert|update|upsert|delete)\s+(?!as user)/m);
    },
  );

  it.each(main.map((file) => [rel(file), file]))(
    '%s: no secret or signature reaches a debug log',
    (_name, file) => {
      const code = stripApexComments(readFileSync(file, 'utf8'));
      expect(code).not.toMatch(/System\.debug/i);
    },
  );

  it('no hard-coded namespace and no URL in Apex outside tests', () => {
    for (const file of main) {
      const code = stripApexComments(readFileSync(file, 'utf8'));
      expect(code).not.toMatch(/https?:\/\//);
      expect(code).not.toMatch(/\b[a-zA-Z0-9]+__Jira_/);
    }
  });
});
