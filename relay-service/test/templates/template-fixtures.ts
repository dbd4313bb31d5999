import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseCreateMetaFieldsPage,
  type JiraFieldMeta,
} from '../../src/jira/endpoints/createmeta-answers';
import type { RecordData, Template, TemplateInput } from '../../src/templates/template-schema';
import { parseTemplate } from '../../src/templates/template-schema';

/** The error `work` throws, which must be a `type`; the test fails when it throws nothing. */
export function thrownBy<E extends Error>(
  type: abstract new (...args: never[]) => E,
  work: () => unknown,
): E {
  try {
    work();
  } catch (error) {
    if (error instanceof type) return error;
    throw error;
  }
  throw new Error(`expected a ${type.name}`);
}

export function readFixture(name: string): unknown {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));
}

export const cloudFields = (): JiraFieldMeta[] =>
  parseCreateMetaFieldsPage(readFixture('cloud-createmeta-fields.json')).items;
export const dcFields = (): JiraFieldMeta[] =>
  parseCreateMetaFieldsPage(readFixture('dc-createmeta-fields.json')).items;

export function fieldMeta(fields: JiraFieldMeta[], fieldId: string): JiraFieldMeta {
  const meta = fields.find((f) => f.fieldId === fieldId);
  if (!meta) throw new Error(`fixture has no field ${fieldId}`);
  return meta;
}

export const TEMPLATE_ID = 'a0B5g00000XyZabEAB';
export const RECORD_ID = '5005g00000AbCdEFGH';
export const ORG_ID = '00D5g000004ABCDEAY';
export const NOW = new Date('2026-03-04T05:06:07.000Z');

export function templateInput(overrides: Partial<TemplateInput> = {}): TemplateInput {
  return {
    id: TEMPLATE_ID,
    name: 'Escalate case',
    objectApiName: 'Case',
    connection: 'default',
    projectKey: 'SUP',
    issueType: 'Bug',
    summary: '{{Subject}}',
    description: '{{Description}}\n\nAccount: {{Account.Name}}\nRecord: {{$Record.Url}}',
    fields: [
      {
        jiraField: 'priority',
        value: '{{Priority}}',
        valueMap: { High: 'Highest' },
        default: 'Medium',
      },
      { jiraField: 'customfield_10030', value: '', default: 'Sev 3' },
    ],
    remoteLink: true,
    allowComments: true,
    allowedTransitions: ['In Progress', 'Done'],
    ...overrides,
  };
}

export const template = (overrides: Partial<TemplateInput> = {}): Template =>
  parseTemplate(templateInput(overrides));

export function record(
  fields: RecordData['fields'],
  overrides: Partial<RecordData> = {},
): RecordData {
  return {
    id: RECORD_ID,
    url: `https://acme.my.salesforce.com/${RECORD_ID}`,
    objectApiName: 'Case',
    fields,
    ...overrides,
  };
}

/**
 * Structural check of the ADF subset the relay emits, following the published ADF JSON schema
 * (doc_node, paragraph_node, text_node with minLength 1, hardBreak_node, link_mark, strong_mark).
 * Returns the rule violations found; an empty list means valid.
 */
export function adfViolations(doc: unknown): string[] {
  const errors: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  const onlyKeys = (node: Record<string, unknown>, keys: string[], where: string) => {
    for (const key of Object.keys(node)) {
      if (!keys.includes(key)) errors.push(`${where}: unexpected member ${key}`);
    }
  };
  if (!isObject(doc)) return ['doc: not an object'];
  onlyKeys(doc, ['version', 'type', 'content'], 'doc');
  if (doc.version !== 1) errors.push('doc: version must be 1');
  if (doc.type !== 'doc') errors.push('doc: type must be doc');
  if (!Array.isArray(doc.content)) return [...errors, 'doc: content must be an array'];
  doc.content.forEach((block: unknown, b) => {
    const where = `content[${b}]`;
    if (!isObject(block) || block.type !== 'paragraph') {
      errors.push(`${where}: only paragraph blocks expected`);
      return;
    }
    onlyKeys(block, ['type', 'content'], where);
    if (!Array.isArray(block.content)) {
      errors.push(`${where}: content must be an array`);
      return;
    }
    block.content.forEach((inline: unknown, i) => {
      const at = `${where}.content[${i}]`;
      if (!isObject(inline)) return errors.push(`${at}: not an object`);
      if (inline.type === 'hardBreak') return onlyKeys(inline, ['type'], at);
      if (inline.type !== 'text')
        return errors.push(`${at}: unexpected node ${String(inline.type)}`);
      onlyKeys(inline, ['type', 'text', 'marks'], at);
      if (typeof inline.text !== 'string' || inline.text.length === 0) {
        errors.push(`${at}: text must be a non-empty string`);
      }
      if (inline.marks === undefined) return;
      if (!Array.isArray(inline.marks) || inline.marks.length === 0) {
        return errors.push(`${at}: marks must be a non-empty array when present`);
      }
      inline.marks.forEach((mark: unknown, m) => {
        const markAt = `${at}.marks[${m}]`;
        if (!isObject(mark)) return errors.push(`${markAt}: not an object`);
        if (mark.type === 'strong') return onlyKeys(mark, ['type'], markAt);
        if (mark.type !== 'link') return errors.push(`${markAt}: unexpected mark`);
        onlyKeys(mark, ['type', 'attrs'], markAt);
        const href = isObject(mark.attrs) ? mark.attrs.href : undefined;
        if (typeof href !== 'string' || !/^https?:\/\//.test(href)) {
          errors.push(`${markAt}: link needs an http(s) href`);
        }
      });
      return undefined;
    });
  });
  return errors;
}
