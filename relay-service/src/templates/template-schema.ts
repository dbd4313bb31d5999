import { z } from 'zod';
import { AppError, listForMessage, type FieldError } from '../lib/errors';
import { salesforceIdSchema } from '../lib/salesforce-ids';
import { salesforceRecordUrlSchema } from '../lib/salesforce-urls';
import { connectionNameSchema } from '../connections/connection-input';
import {
  MAX_MERGE_FIELDS,
  MergeFieldSyntaxError,
  countMergeFields,
  parseMergeText,
} from './merge-fields';
import type { RecordFields } from './record-fields';

/**
 * The contract's Template and Record payloads. Unknown template keys are refused: a typo in a
 * key (`allowComment`) must not silently fall back to a permissive default.
 */

const API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const MAX_TEXT = 131_072;

/** Text that may hold merge fields; syntax errors are reported with their position. */
const mergeText = (max: number) =>
  z
    .string()
    .max(max)
    .superRefine((text, ctx) => {
      try {
        parseMergeText(text);
      } catch (error) {
        if (!(error instanceof MergeFieldSyntaxError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
      }
    });

/** Literal Jira-side text: merge fields here would escape the Apex field scan. */
const literalText = z
  .string()
  .max(32_767)
  .refine((text) => !text.includes('{{'), 'merge fields are not allowed here; use literal text');

/** Fields the template sets through its own members, never through a mapping. */
const RESERVED_JIRA_FIELDS: Record<string, string> = {
  summary: 'the template summary',
  description: 'the template description',
  project: 'projectKey',
  issuetype: 'issueType',
};

/** Jira fields one template may map. */
export const MAX_FIELD_MAPPINGS = 100;

export const fieldMappingSchema = z.strictObject({
  jiraField: z
    .string()
    .regex(
      /^[A-Za-z0-9_.-]{1,255}$/,
      'expected a Jira field id such as priority or customfield_10020',
    )
    .refine((id) => !(id in RESERVED_JIRA_FIELDS), {
      error: (issue) =>
        `"${String(issue.input)}" is set by ${RESERVED_JIRA_FIELDS[String(issue.input)]}, not by a field mapping`,
    }),
  value: mergeText(32_767).default(''),
  valueMap: z.record(z.string().max(1000), literalText).optional(),
  default: literalText.optional(),
});

/** Files one create or comment may send, and file types one template may allow. */
export const MAX_ATTACHMENT_FILES = 10;
export const MAX_ATTACHMENT_EXTENSIONS = 50;
/** The largest Salesforce Number(5,0) of megabytes still fits; Apex caps at this too. */
export const MAX_ATTACHMENT_BYTES = 2_147_483_647;

const attachmentBytes = z.number().int().min(1).max(MAX_ATTACHMENT_BYTES);

/**
 * Which record files a create or comment may send to Jira. Absent or null: none. Extensions are
 * compared in lower case without the dot, so the list is written that way.
 */
export const attachmentPolicySchema = z.strictObject({
  extensions: z
    .array(
      z
        .string()
        .regex(/^[a-z0-9]{1,16}$/, 'expected a file extension in lower case, without the dot'),
    )
    .min(1)
    .max(MAX_ATTACHMENT_EXTENSIONS)
    .refine((list) => new Set(list).size === list.length, 'an extension is listed twice'),
  maxFileBytes: attachmentBytes,
  maxTotalBytes: attachmentBytes,
  maxFiles: z.number().int().min(1).max(MAX_ATTACHMENT_FILES),
});
export type AttachmentPolicy = z.output<typeof attachmentPolicySchema>;

export const templateSchema = z
  .strictObject({
    // Null for a template the admin is previewing before saving it.
    id: salesforceIdSchema('template').nullable(),
    name: z.string().trim().min(1).max(255),
    objectApiName: z.string().regex(API_NAME, 'expected a Salesforce object API name such as Case'),
    connection: connectionNameSchema,
    // Keys go into Jira URLs; letters, digits and underscore are all Jira allows.
    projectKey: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,254}$/, 'expected a Jira project key such as SUP'),
    issueType: z.string().trim().min(1).max(255),
    summary: mergeText(MAX_TEXT).refine((s) => s.trim() !== '', 'the summary must not be empty'),
    description: mergeText(MAX_TEXT).default(''),
    fields: z
      .array(fieldMappingSchema)
      .max(MAX_FIELD_MAPPINGS)
      .default([])
      .superRefine((fields, ctx) => {
        const seen = new Set<string>();
        fields.forEach((field, index) => {
          if (seen.has(field.jiraField)) {
            ctx.addIssue({
              code: 'custom',
              path: [index, 'jiraField'],
              message: `"${field.jiraField}" is mapped more than once`,
            });
          }
          seen.add(field.jiraField);
        });
      }),
    remoteLink: z.boolean(),
    allowComments: z.boolean(),
    allowedTransitions: z.array(z.string().trim().min(1).max(255)).max(100).default([]),
    // Preview looks for open issues like the one about to be created (one Jira search).
    duplicateCheck: z.boolean().default(true),
    attachments: attachmentPolicySchema.nullish().transform((policy) => policy ?? null),
  })
  .superRefine((template, ctx) => {
    const texts = [template.summary, template.description, ...template.fields.map((f) => f.value)];
    const count = texts.reduce((sum, text) => sum + countMergeFields(text), 0);
    if (count > MAX_MERGE_FIELDS) {
      ctx.addIssue({
        code: 'custom',
        message: `the template holds ${count} merge fields; at most ${MAX_MERGE_FIELDS} are allowed`,
      });
    }
  });

export type Template = z.output<typeof templateSchema>;
export type TemplateInput = z.input<typeof templateSchema>;
export type FieldMapping = z.output<typeof fieldMappingSchema>;

/** Parent relationships in SOQL go at most five levels up; one more is the field itself. */
export const MAX_RECORD_DEPTH = 6;
/**
 * Fields (values and relationships, at every level) one record may hold. A record holds only
 * what its template references, and a template holds at most MAX_MERGE_FIELDS merge fields.
 */
export const MAX_RECORD_FIELDS = 1_000;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

interface RecordFieldProblem {
  path: string[];
  message: string;
}

/**
 * What is wrong with a record's field values, found in one walk without recursion. A
 * recursive schema would cost a stack frame per level and, in zod, far more time per field;
 * this walk stops as soon as the record holds more fields than it may.
 */
export function recordFieldProblems(fields: unknown): RecordFieldProblem[] {
  if (!isObject(fields)) return [{ path: [], message: 'expected an object of field values' }];
  const problems: RecordFieldProblem[] = [];
  let count = 0;
  const pending: [Record<string, unknown>, string[]][] = [[fields, []]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [object, path] = next;
    for (const [key, value] of Object.entries(object)) {
      count += 1;
      if (count > MAX_RECORD_FIELDS) {
        return [
          {
            path: [],
            message: `the record holds more than ${MAX_RECORD_FIELDS} fields; at most ${MAX_RECORD_FIELDS} are allowed`,
          },
        ];
      }
      const at = [...path, key];
      if (!API_NAME.test(key))
        problems.push({ path: at, message: 'expected a field API name or relationship name' });
      if (typeof value === 'string') {
        if (value.length > MAX_TEXT)
          problems.push({ path: at, message: `expected at most ${MAX_TEXT} characters` });
      } else if (typeof value === 'number') {
        if (!Number.isFinite(value))
          problems.push({ path: at, message: 'expected a finite number' });
      } else if (isObject(value)) {
        // The field object is level 1; a relationship object at `at` is level at.length + 1.
        if (at.length >= MAX_RECORD_DEPTH) {
          problems.push({
            path: at,
            message: `relationships may be nested at most ${MAX_RECORD_DEPTH - 1} levels deep`,
          });
        } else pending.push([value, at]);
      } else if (typeof value !== 'boolean' && value !== null) {
        problems.push({
          path: at,
          message: 'expected text, a number, true or false, null, or a relationship object',
        });
      }
    }
  }
  return problems;
}

const recordFieldsSchema = z
  .unknown()
  .superRefine((fields, ctx) => {
    for (const problem of recordFieldProblems(fields))
      ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  })
  .transform((fields) => fields as RecordFields);

export const recordSchema = z.strictObject({
  id: salesforceIdSchema('record'),
  url: salesforceRecordUrlSchema,
  objectApiName: z.string().regex(API_NAME, 'expected a Salesforce object API name such as Case'),
  fields: recordFieldsSchema,
});

export type RecordData = z.output<typeof recordSchema>;

function fieldErrorsOf(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

function describe(errors: FieldError[]): string {
  return listForMessage(
    errors.map((e) => `${e.field}: ${e.message}`),
    '; ',
  );
}

/**
 * Value-map entries one template may hold, over all its mappings: as many as the largest
 * Salesforce picklist has values. Checked before the schema, which spends time on each entry.
 */
export const MAX_VALUE_MAP_ENTRIES = 1_000;

function valueMapEntries(input: unknown): number {
  if (!isObject(input) || !Array.isArray(input.fields)) return 0;
  let count = 0;
  // More mappings than the schema allows are refused by it before it looks at their members.
  for (const field of input.fields.slice(0, MAX_FIELD_MAPPINGS)) {
    if (isObject(field) && isObject(field.valueMap)) count += Object.keys(field.valueMap).length;
  }
  return count;
}

/** Parses a template or throws TEMPLATE_INVALID naming every bad member. */
export function parseTemplate(input: unknown): Template {
  const entries = valueMapEntries(input);
  if (entries > MAX_VALUE_MAP_ENTRIES) {
    throw new AppError(
      'TEMPLATE_INVALID',
      `The template is invalid: its value maps hold ${entries} entries; at most ${MAX_VALUE_MAP_ENTRIES} are allowed.`,
      {
        fieldErrors: [
          {
            field: 'template.fields',
            message: `at most ${MAX_VALUE_MAP_ENTRIES} value-map entries`,
          },
        ],
      },
    );
  }
  const result = templateSchema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors = fieldErrorsOf(result.error, 'template');
  throw new AppError('TEMPLATE_INVALID', `The template is invalid: ${describe(fieldErrors)}`, {
    fieldErrors,
  });
}

/** Parses record data or throws VALIDATION_FAILED naming every bad member. */
export function parseRecord(input: unknown, where = 'record'): RecordData {
  const result = recordSchema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors = fieldErrorsOf(result.error, where);
  throw new AppError('VALIDATION_FAILED', `The record data is invalid: ${describe(fieldErrors)}`, {
    fieldErrors,
  });
}
