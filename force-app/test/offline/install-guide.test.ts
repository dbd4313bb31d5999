import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { readObjectSettings, readPermissionSets } from './support/admin-metadata';
import {
  DEFAULT_DIR,
  listApexSources,
  listFiles,
  readObjects,
  REPO_ROOT,
  stripApexComments,
} from './support/metadata';

/**
 * docs/install.md may only name what the package has: every `pjx__` name is a package object,
 * field or permission set, and every **bold** name is a label the admin will see (a permission
 * set, tab, object, field, list view, component, credential, Flow action or custom label) or
 * one of the Salesforce screens listed below. A renamed label fails here, not at a customer.
 */

const guide = readFileSync(join(REPO_ROOT, 'docs', 'install.md'), 'utf8');
const xml = new XMLParser({ ignoreAttributes: false, parseTagValue: false });

/** Salesforce's own screens and settings the guide walks through (not package metadata). */
const SALESFORCE_UI = new Set([
  'Install for Admins Only',
  'App Launcher',
  'Named Credentials',
  'Generate Authorization Header',
  'URL',
  'Edit Page',
  'Save',
  'Activate',
  'Subscriptions',
  'Salesforce Integration',
  'Minimum Access - API Only Integrations',
  'Salesforce API Integration',
  'External Client App',
  'Client credentials flow',
  'JWT bearer flow',
  'Run As',
  'Permitted Users',
  'Manage user data via APIs (api)',
  'Scheduled Jobs',
  // Object and system permissions the write-back user needs to read files (docs step 6).
  'View All',
  'Query All Files',
]);
/** Who does a step, and headings of steps. */
const ROLES_AND_STEPS = new Set([
  'Salesforce admin',
  'relay operator',
  'Relay operator',
  'Integration user.',
  'platform-event-triggered Flows',
]);

function text(file: string, tag: RegExp): string[] {
  return [...readFileSync(file, 'utf8').matchAll(tag)].map((match) => match[1] ?? '');
}

/** Every label an admin or user meets in the package. */
function packageLabels(): string[] {
  const labels: string[] = [];
  const files = (dir: string, suffix: string) => listFiles(join(DEFAULT_DIR, dir), [suffix]);
  for (const set of readPermissionSets().values()) labels.push(set.label);
  for (const file of files('tabs', '.tab-meta.xml'))
    labels.push(...text(file, /<label>([^<]+)<\/label>/g));
  for (const file of files('applications', '.app-meta.xml'))
    labels.push(...text(file, /<label>([^<]+)<\/label>/g));
  for (const file of [
    ...files('namedCredentials', '.namedCredential-meta.xml'),
    ...files('externalCredentials', '.externalCredential-meta.xml'),
  ])
    labels.push(...text(file, /<label>([^<]+)<\/label>/g));
  for (const file of files('objects', '.object-meta.xml'))
    labels.push(...text(file, /<(?:label|pluralLabel)>([^<]+)<\/(?:label|pluralLabel)>/g));
  for (const file of files('objects', '.field-meta.xml'))
    labels.push(...text(file, /<label>([^<]+)<\/label>/g).slice(0, 1));
  for (const object of readObjectSettings().values())
    labels.push(...[...object.listViews.values()].map((view) => view.label));
  for (const file of files('lwc', '.js-meta.xml')) {
    // Only exposed components appear in Lightning App Builder under their master label.
    if (!readFileSync(file, 'utf8').includes('<isExposed>true</isExposed>')) continue;
    labels.push(...text(file, /<masterLabel>([^<]+)<\/masterLabel>/g));
    labels.push(...text(file, /\slabel="([^"]+)"/g));
  }
  for (const file of listApexSources().filter((f) => f.includes('/main/'))) {
    const code = stripApexComments(readFileSync(file, 'utf8'));
    for (const match of code.matchAll(/@InvocableMethod\(([^)]*)\)/g))
      for (const attribute of (match[1] ?? '').matchAll(/(?:label|category)\s*=\s*'([^']+)'/g))
        labels.push(attribute[1] ?? '');
  }
  // Reports, their folders and report types show under their names and labels.
  for (const file of [
    ...files('reports', '.report-meta.xml'),
    ...files('reports', '.reportFolder-meta.xml'),
  ])
    // The top-level <name>, not a parameter's.
    labels.push(...text(file, /^ {4}<name>([^<]+)<\/name>/gm));
  for (const file of files('reportTypes', '.reportType-meta.xml'))
    labels.push(...text(file, /<label>([^<]+)<\/label>/g));
  const custom = xml.parse(
    readFileSync(join(DEFAULT_DIR, 'labels', 'CustomLabels.labels-meta.xml'), 'utf8'),
  ) as { CustomLabels: { labels: Array<{ value: string }> } };
  for (const label of custom.CustomLabels.labels)
    labels.push(
      String(label.value)
        .replace(/\{\d+\}/g, '')
        .trim(),
    );
  return labels.filter(Boolean);
}

/** A bold phrase names a label when it is the label or the label's first words. */
function namesLabel(phrase: string, labels: string[]): boolean {
  const wanted = phrase.toLowerCase();
  return labels.some((label) => {
    const candidate = label.toLowerCase();
    return candidate === wanted || candidate.startsWith(`${wanted} `);
  });
}

describe('docs/install.md names only what the package has', () => {
  const objects = readObjects();
  const permissionSets = readPermissionSets();
  const labels = packageLabels();

  it('the README links to it', () => {
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain('(docs/install.md)');
  });

  it('uses the namespace set in sfdx-project.json', () => {
    const { namespace } = JSON.parse(
      readFileSync(join(REPO_ROOT, 'sfdx-project.json'), 'utf8'),
    ) as { namespace: string };
    expect(guide).toContain(`\`${namespace}__`);
    expect(guide.match(/\b(\w+)__(?=[A-Z])/g)?.every((prefix) => prefix === `${namespace}__`)).toBe(
      true,
    );
  });

  it('every pjx__ name is a package object, field or permission set', () => {
    const names = [...guide.matchAll(/\bpjx__(\w+)/g)].map((match) => match[1] ?? '');
    expect(names.length).toBeGreaterThan(5);
    const unknown = names.filter((name) => {
      if (permissionSets.has(name) || objects.has(name)) return false;
      return ![...objects.values()].some((object) => object.fields.has(name));
    });
    expect(unknown).toEqual([]);
  });

  it('every bold name is a package label or a Salesforce screen', () => {
    const phrases = [...guide.matchAll(/\*\*([^*]+?)\*\*/g)]
      .flatMap((match) => (match[1] ?? '').split(' → '))
      .map((phrase) => phrase.replace(/\s+/g, ' ').trim());
    expect(phrases.length).toBeGreaterThan(30);
    const unknown = phrases.filter(
      (phrase) =>
        !SALESFORCE_UI.has(phrase) && !ROLES_AND_STEPS.has(phrase) && !namesLabel(phrase, labels),
    );
    expect([...new Set(unknown)]).toEqual([]);
  });

  it('a renamed label is caught', () => {
    expect(namesLabel('Jira Setup', labels)).toBe(true);
    expect(namesLabel('Jira Settings', labels)).toBe(false);
    expect(namesLabel('Personal access token', ['Personal access token (recommended)'])).toBe(true);
    expect(namesLabel('Personal', ['Personalised'])).toBe(false);
  });

  it('every relay CLI call it shows gives the flags its command requires, and no other', () => {
    const usage =
      /const USAGE = `([\s\S]*?)`;/.exec(
        readFileSync(join(REPO_ROOT, 'relay-service', 'cli', 'admin.ts'), 'utf8'),
      )?.[1] ?? '';
    const specs = new Map(
      [...usage.matchAll(/^ {2}([a-z-]+ [a-z-]+) (.*)$/gm)].map((m) => [m[1], m[2] ?? '']),
    );
    const calls = [
      ...guide.replace(/\\\n\s*/g, ' ').matchAll(/relay:admin -- ([a-z-]+ [a-z-]+)([^\n`]*)/g),
    ];
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const [, command = '', args = ''] of calls) {
      const spec = specs.get(command);
      expect([command, spec !== undefined]).toEqual([command, true]);
      const flags = (text: string) =>
        [...text.matchAll(/(?:^|\s|\[|\()(--[a-z-]+)/g)].map((m) => m[1]);
      const allowed = new Set(flags(spec ?? ''));
      const required = flags((spec ?? '').replace(/\[[^\]]*\]|\([^)]*\)/g, ''));
      const used = flags(args);
      expect([command, used.filter((flag) => !allowed.has(flag))]).toEqual([command, []]);
      expect([command, required.filter((flag) => !used.includes(flag))]).toEqual([command, []]);
    }
  });

  it('the relay CLI commands it shows exist', () => {
    const usage = readFileSync(join(REPO_ROOT, 'relay-service', 'cli', 'admin.ts'), 'utf8');
    for (const command of ['registration-code create', 'tenants set', 'outbox list'])
      expect([command, guide.includes(command), usage.includes(command)]).toEqual([
        command,
        true,
        true,
      ]);
  });
});
