import { z } from 'zod';
import { AppError } from '../../lib/errors';

/**
 * Jira create metadata, read from both deployments:
 * - Cloud `GET /rest/api/3/issue/createmeta/{project}/issuetypes/{id}` answers
 *   `PageOfCreateMetaIssueTypeWithField` — `fields[]` (the spec also names `results[]`) of
 *   `FieldCreateMetadata` (`fieldId`, `key`, `name`, `required`, `schema`, …);
 * - Data Center `GET /rest/api/2/issue/createmeta/{project}/issuetypes/{id}` answers a page with
 *   `values[]` of `FieldMetaBean` (same members, no `key`).
 * The issue type lists are `issueTypes[]` (Cloud) and `values[]` (DC). Both are normalised to
 * one shape here so nothing downstream knows which deployment answered.
 */

const jsonTypeSchema = z.looseObject({
  type: z.string(),
  items: z.string().optional(),
  system: z.string().optional(),
  custom: z.string().optional(),
  customId: z.number().optional(),
  configuration: z.record(z.string(), z.unknown()).optional(),
});

const allowedValueSchema = z.union([
  z.looseObject({
    id: z.union([z.string(), z.number()]).optional(),
    value: z.string().optional(),
    name: z.string().optional(),
    key: z.string().optional(),
    disabled: z.boolean().optional(),
  }),
  z.string(),
]);

const fieldMetaSchema = z.looseObject({
  fieldId: z.string().optional(),
  key: z.string().optional(),
  name: z.string(),
  required: z.boolean(),
  schema: jsonTypeSchema,
  allowedValues: z.array(allowedValueSchema).optional(),
  hasDefaultValue: z.boolean().optional(),
  operations: z.array(z.string()).optional(),
  autoCompleteUrl: z.string().optional(),
});

const pageMembers = {
  startAt: z.number().optional(),
  maxResults: z.number().optional(),
  total: z.number().optional(),
  isLast: z.boolean().optional(),
};

export const createMetaFieldsPageSchema = z
  .looseObject({
    fields: z.array(fieldMetaSchema).optional(),
    values: z.array(fieldMetaSchema).optional(),
    results: z.array(fieldMetaSchema).optional(),
    ...pageMembers,
  })
  .refine((page) => page.fields ?? page.values ?? page.results, 'expected fields[] or values[]');

const issueTypeSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  name: z.string(),
  subtask: z.boolean().optional(),
});

export const createMetaIssueTypesPageSchema = z
  .looseObject({
    issueTypes: z.array(issueTypeSchema).optional(),
    values: z.array(issueTypeSchema).optional(),
    ...pageMembers,
  })
  .refine((page) => page.issueTypes ?? page.values, 'expected issueTypes[] or values[]');

export interface JiraFieldSchema {
  type: string;
  items?: string;
  system?: string;
  custom?: string;
  customId?: number;
}

export interface JiraAllowedValue {
  id?: string;
  value?: string;
  name?: string;
  key?: string;
}

export interface JiraFieldMeta {
  fieldId: string;
  name: string;
  required: boolean;
  hasDefaultValue: boolean;
  schema: JiraFieldSchema;
  /** Absent when Jira does not enumerate the values (free input, or too many to list). */
  allowedValues?: JiraAllowedValue[];
  operations: string[];
}

export interface CreateMetaPage<T> {
  items: T[];
  startAt: number;
  total?: number;
  /** True when Jira says so, or when the page cannot be followed by another. */
  isLast: boolean;
}

export interface JiraIssueTypeRef {
  id: string;
  name: string;
  subtask: boolean;
}

function pageOf<T>(
  items: T[],
  page: { startAt?: number; maxResults?: number; total?: number; isLast?: boolean },
): CreateMetaPage<T> {
  const startAt = page.startAt ?? 0;
  const isLast =
    page.isLast ??
    (page.total !== undefined ? startAt + items.length >= page.total : items.length === 0);
  return { items, startAt, ...(page.total !== undefined ? { total: page.total } : {}), isLast };
}

function normaliseField(raw: z.output<typeof fieldMetaSchema>): JiraFieldMeta | undefined {
  const fieldId = raw.fieldId ?? raw.key;
  if (!fieldId) return undefined;
  const { type, items, system, custom, customId } = raw.schema;
  const allowedValues = raw.allowedValues
    ?.map((entry): JiraAllowedValue | undefined => {
      if (typeof entry === 'string') return { value: entry };
      // A disabled option is listed but Jira refuses it on create.
      if (entry.disabled === true) return undefined;
      return {
        ...(entry.id !== undefined ? { id: String(entry.id) } : {}),
        ...(entry.value !== undefined ? { value: entry.value } : {}),
        ...(entry.name !== undefined ? { name: entry.name } : {}),
        ...(entry.key !== undefined ? { key: entry.key } : {}),
      };
    })
    .filter((entry): entry is JiraAllowedValue => entry !== undefined);
  return {
    fieldId,
    name: raw.name,
    required: raw.required,
    hasDefaultValue: raw.hasDefaultValue ?? false,
    schema: {
      type,
      ...(items !== undefined ? { items } : {}),
      ...(system !== undefined ? { system } : {}),
      ...(custom !== undefined ? { custom } : {}),
      ...(customId !== undefined ? { customId } : {}),
    },
    ...(allowedValues !== undefined ? { allowedValues } : {}),
    operations: raw.operations ?? [],
  };
}

function unexpectedShape(what: string, cause: unknown): AppError {
  return new AppError(
    'JIRA_UNAVAILABLE',
    `Jira answered ${what} in a shape the relay does not know`,
    {
      cause,
      status: 502,
    },
  );
}

/** One page of the fields call, from Cloud (`fields`/`results`) or DC (`values`). */
export function parseCreateMetaFieldsPage(body: unknown): CreateMetaPage<JiraFieldMeta> {
  const result = createMetaFieldsPageSchema.safeParse(body);
  if (!result.success) throw unexpectedShape('create metadata fields', result.error);
  const page = result.data;
  const raw = page.fields ?? page.values ?? page.results ?? [];
  const fields = raw
    .map(normaliseField)
    .filter((field): field is JiraFieldMeta => field !== undefined);
  return pageOf(fields, page);
}

/**
 * The fields of a transition screen (`expand=transitions.fields`), keyed by field id: Cloud
 * `FieldMetadata` and DC `FieldMetaBean` carry the same members as create metadata. A field
 * described in a shape the relay does not know is kept with an unknown type, so mapping it is
 * reported (and a required one still counts as required) instead of failing the whole list.
 */
export function parseScreenFields(fields: Readonly<Record<string, unknown>>): JiraFieldMeta[] {
  return Object.entries(fields).map(([fieldId, raw]) => {
    const parsed = fieldMetaSchema.safeParse({ fieldId, ...(raw as object) });
    const field = parsed.success ? normaliseField({ ...parsed.data, fieldId }) : undefined;
    if (field) return field;
    const { name, required } = (raw ?? {}) as { name?: unknown; required?: unknown };
    return {
      fieldId,
      name: typeof name === 'string' ? name : fieldId,
      required: required === true,
      hasDefaultValue: false,
      schema: { type: 'unknown' },
      operations: [],
    };
  });
}

/** One page of the issue types call, from Cloud (`issueTypes`) or DC (`values`). */
export function parseCreateMetaIssueTypesPage(body: unknown): CreateMetaPage<JiraIssueTypeRef> {
  const result = createMetaIssueTypesPageSchema.safeParse(body);
  if (!result.success) throw unexpectedShape('create metadata issue types', result.error);
  const page = result.data;
  const raw = page.issueTypes ?? page.values ?? [];
  return pageOf(
    raw.map((t) => ({ id: t.id, name: t.name, subtask: t.subtask ?? false })),
    page,
  );
}
