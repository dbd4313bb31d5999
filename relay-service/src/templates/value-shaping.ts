import { cutText } from '../lib/errors';
import type { JsonValue } from '../lib/json-value';
import { plainTextToAdf } from './adf';
import type { JiraAllowedValue, JiraFieldMeta } from '../jira/endpoints/createmeta-answers';
import { parseIsoDate, toJiraDate, toJiraDateTime } from './iso-date';
import { normaliseText } from './text-normalisation';
import { plainTextToWikiWithin } from './wiki';

/**
 * Rendered template values (strings) shaped into what Jira's create call expects for each
 * field, as its create metadata describes it. Data problems are collected, never thrown, so a
 * preview can show every one of them at once.
 */

export type Deployment = 'cloud' | 'server';

export type FieldProblemCode =
  | 'FIELD_UNKNOWN'
  | 'FIELD_NOT_SETTABLE'
  | 'FIELD_REQUIRED'
  | 'FIELD_TYPE_UNSUPPORTED'
  | 'VALUE_NOT_ALLOWED'
  | 'VALUE_INVALID';

export interface FieldProblem {
  /** The Jira field id. */
  field: string;
  code: FieldProblemCode;
  message: string;
}

/** Jira's default limit for text fields (jira.text.field.character.limit). */
export const DEFAULT_TEXT_LIMIT = 32_767;
/** Jira's fixed limit for the summary and single-line text fields. */
export const SINGLE_LINE_LIMIT = 255;
export const TRUNCATION_MARKER = '… [truncated by Pharos]';

export interface ShapingOptions {
  deployment: Deployment;
  /** The instance's text limit, when an admin has changed Jira's default. */
  textLimit?: number;
  /** Per-field limits (field id → characters), overriding everything else. */
  fieldTextLimits?: Readonly<Record<string, number>>;
}

export interface ShapedValue {
  /** Undefined when there is nothing to send (an empty value). */
  value?: JsonValue;
  problems: FieldProblem[];
}

type FieldKind =
  | { kind: 'text'; singleLine: boolean; rich: boolean }
  | { kind: 'number' | 'date' | 'datetime' | 'user' }
  | { kind: 'option' | 'named' | 'byId'; many: boolean }
  | { kind: 'labels' | 'strings' | 'users' }
  | { kind: 'unsupported' };

const CUSTOM = 'com.atlassian.jira.plugin.system.customfieldtypes:';

function kindOf(meta: JiraFieldMeta): FieldKind {
  const { type, items, system, custom } = meta.schema;
  switch (type) {
    case 'string': {
      const rich =
        system === 'description' || system === 'environment' || custom === `${CUSTOM}textarea`;
      const singleLine = system === 'summary' || custom === `${CUSTOM}textfield`;
      return { kind: 'text', singleLine, rich };
    }
    case 'number':
    case 'date':
    case 'datetime':
    case 'user':
      return { kind: type };
    case 'option':
    case 'option-with-child':
      return { kind: 'option', many: false };
    case 'priority':
    case 'resolution':
    case 'version':
    case 'component':
    case 'group':
      return { kind: 'named', many: false };
    case 'issuetype':
    case 'project':
    case 'securitylevel':
      return { kind: 'byId', many: false };
    case 'array':
      switch (items) {
        case 'option':
          return { kind: 'option', many: true };
        case 'component':
        case 'version':
        case 'group':
          return { kind: 'named', many: true };
        case 'user':
          return { kind: 'users' };
        case 'string':
          return system === 'labels' || custom === `${CUSTOM}labels`
            ? { kind: 'labels' }
            : { kind: 'strings' };
      }
      return { kind: 'unsupported' };
  }
  return { kind: 'unsupported' };
}

const label = (meta: JiraFieldMeta) => `${meta.name} (${meta.fieldId})`;

function problem(meta: JiraFieldMeta, code: FieldProblemCode, message: string): FieldProblem {
  return { field: meta.fieldId, code, message: `${label(meta)}: ${message}` };
}

/** Cuts to `limit` UTF-16 units (what Jira counts) including the marker, never splitting a pair. */
export function truncateWithMarker(
  text: string,
  limit: number,
  marker = TRUNCATION_MARKER,
): string {
  if (text.length <= limit) return text;
  let cut = Math.max(0, limit - marker.length);
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut).trimEnd()}${marker}`.slice(0, limit);
}

function textLimitOf(meta: JiraFieldMeta, singleLine: boolean, options: ShapingOptions): number {
  return (
    options.fieldTextLimits?.[meta.fieldId] ??
    (singleLine ? SINGLE_LINE_LIMIT : (options.textLimit ?? DEFAULT_TEXT_LIMIT))
  );
}

/** A template value map applied to the whole value; undefined when no key matches. */
function mapWhole(value: string, valueMap?: Readonly<Record<string, string>>): string | undefined {
  if (!valueMap) return undefined;
  if (Object.hasOwn(valueMap, value)) return valueMap[value];
  const trimmed = value.trim();
  return Object.hasOwn(valueMap, trimmed) ? valueMap[trimmed] : undefined;
}

/** Applies a template value map to the whole value (`High` → `Highest`). */
export function applyValueMap(value: string, valueMap?: Readonly<Record<string, string>>): string {
  return mapWhole(value, valueMap) ?? value;
}

/** Salesforce multi-select picklists join values with ";"; lists typed by hand use commas. */
const splitList = (value: string, separators: RegExp) =>
  value
    .split(separators)
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** A value from the record, as quoted in a problem message. */
const quoted = (value: string) => `"${cutText(value, 100)}"`;

/**
 * A field's allowed values indexed the ways a template may name one, built once per field: a
 * list of many items is then checked against a list of many values in time proportional to
 * the two, not to their product.
 */
interface AllowedIndex {
  byValue: Map<string, JiraAllowedValue>;
  byName: Map<string, JiraAllowedValue>;
  byKey: Map<string, JiraAllowedValue>;
  byId: Map<string, JiraAllowedValue>;
  /** The first values, for problem messages. */
  shown: string;
}

const allowedIndexes = new WeakMap<JiraFieldMeta, AllowedIndex>();

function allowedIndexOf(meta: JiraFieldMeta, allowed: readonly JiraAllowedValue[]): AllowedIndex {
  let index = allowedIndexes.get(meta);
  if (index) return index;
  // The first value with a given spelling wins, as a search through the list would find it.
  const add = (
    map: Map<string, JiraAllowedValue>,
    key: string | undefined,
    v: JiraAllowedValue,
  ) => {
    if (key !== undefined && !map.has(key)) map.set(key, v);
  };
  index = { byValue: new Map(), byName: new Map(), byKey: new Map(), byId: new Map(), shown: '' };
  for (const v of allowed) {
    add(index.byValue, v.value, v);
    add(index.byName, v.name?.toLowerCase(), v);
    add(index.byKey, v.key?.toLowerCase(), v);
    add(index.byId, v.id, v);
  }
  const names = allowed
    .map((v) => v.value ?? v.name ?? v.key ?? v.id)
    .filter((v): v is string => v !== undefined);
  index.shown = names.slice(0, 20).join(', ') + (names.length > 20 ? ', …' : '');
  allowedIndexes.set(meta, index);
  return index;
}

/**
 * The allowed value `candidate` names: `{ match }` when found, `{}` when the field has no list
 * (free input, or too many values to enumerate: Jira is the judge), and `undefined`, with a
 * VALUE_NOT_ALLOWED problem added, when the list does not hold it.
 */
function findAllowed(
  meta: JiraFieldMeta,
  candidate: string,
  problems: FieldProblem[],
): { match?: JiraAllowedValue } | undefined {
  const allowed = meta.allowedValues;
  if (!allowed || allowed.length === 0) return {};
  const index = allowedIndexOf(meta, allowed);
  const lower = candidate.toLowerCase();
  const match =
    index.byValue.get(candidate) ??
    index.byName.get(lower) ??
    index.byKey.get(lower) ??
    index.byId.get(candidate);
  if (match) return { match };
  problems.push(
    problem(
      meta,
      'VALUE_NOT_ALLOWED',
      `${quoted(candidate)} is not an allowed value (allowed: ${index.shown})`,
    ),
  );
  return undefined;
}

function shapeOption(
  meta: JiraFieldMeta,
  candidate: string,
  problems: FieldProblem[],
): JsonValue | undefined {
  const found = findAllowed(meta, candidate, problems);
  if (!found) return undefined;
  const { match } = found;
  if (!match) return { value: candidate };
  if (match.value !== undefined) return { value: match.value };
  return match.id !== undefined ? { id: match.id } : { value: candidate };
}

function shapeNamed(
  meta: JiraFieldMeta,
  candidate: string,
  problems: FieldProblem[],
): JsonValue | undefined {
  const found = findAllowed(meta, candidate, problems);
  if (!found) return undefined;
  return { name: found.match?.name ?? candidate };
}

function shapeById(
  meta: JiraFieldMeta,
  candidate: string,
  problems: FieldProblem[],
): JsonValue | undefined {
  const found = findAllowed(meta, candidate, problems);
  if (!found) return undefined;
  const id = found.match?.id ?? (/^\d+$/.test(candidate) ? candidate : undefined);
  if (id === undefined) {
    problems.push(
      problem(meta, 'VALUE_INVALID', `${quoted(candidate)} is not an id Jira knows for this field`),
    );
    return undefined;
  }
  return { id };
}

/** Account ids are opaque tokens such as 5b10a2844c20165700ede21g or 712020:uuid. */
const CLOUD_ACCOUNT_ID = /^[A-Za-z0-9:_-]{1,128}$/;

function shapeUser(
  meta: JiraFieldMeta,
  candidate: string,
  options: ShapingOptions,
  problems: FieldProblem[],
): JsonValue | undefined {
  if (options.deployment === 'server') return { name: candidate };
  if (!CLOUD_ACCOUNT_ID.test(candidate)) {
    problems.push(
      problem(
        meta,
        'VALUE_INVALID',
        `${quoted(candidate)} is not a Jira Cloud account id; Jira Cloud identifies users by account id, not by email or name`,
      ),
    );
    return undefined;
  }
  return { accountId: candidate };
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const GROUPED_NUMBER = /^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/;

function shapeNumber(meta: JiraFieldMeta, value: string, problems: FieldProblem[]) {
  const text = value.trim();
  // Thousands separators are accepted only in their unambiguous English form (1,234.5);
  // "1,5" could be one and a half or fifteen, so it is refused rather than guessed.
  const plain = GROUPED_NUMBER.test(text) ? text.replace(/,/g, '') : text;
  const parsed = NUMBER.test(plain) ? Number(plain) : Number.NaN;
  if (!Number.isFinite(parsed)) {
    problems.push(problem(meta, 'VALUE_INVALID', `${quoted(text)} is not a number`));
    return undefined;
  }
  return parsed;
}

function shapeDate(
  meta: JiraFieldMeta,
  value: string,
  kind: 'date' | 'datetime',
  problems: FieldProblem[],
) {
  const parsed = parseIsoDate(value);
  if (!parsed) {
    problems.push(
      problem(
        meta,
        'VALUE_INVALID',
        `${quoted(value.trim())} is not an ISO ${kind === 'date' ? 'date (YYYY-MM-DD)' : 'datetime'}`,
      ),
    );
    return undefined;
  }
  return kind === 'date' ? toJiraDate(parsed) : toJiraDateTime(parsed);
}

function shapeText(
  meta: JiraFieldMeta,
  value: string,
  kind: { singleLine: boolean; rich: boolean },
  options: ShapingOptions,
): JsonValue | undefined {
  const limit = textLimitOf(meta, kind.singleLine, options);
  if (kind.singleLine) {
    // Summaries and single-line fields refuse newlines: each one, with the blanks around it,
    // becomes one space. Split, not a /\s*\n\s*/ replace, which backtracks over long blank runs.
    const line = normaliseText(value)
      .split('\n')
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .join(' ');
    return line ? truncateWithMarker(line, limit) : undefined;
  }
  if (kind.rich) {
    if (options.deployment === 'cloud')
      return plainTextToAdf(truncateWithMarker(normaliseText(value), limit));
    return plainTextToWikiWithin(value, limit, TRUNCATION_MARKER);
  }
  return truncateWithMarker(normaliseText(value), limit);
}

const isBlank = (value: string) => value.trim() === '';

/** Problems listed per field: a list of thousands of bad items is named by its first few. */
export const MAX_PROBLEMS_PER_FIELD = 5;

function listedProblems(meta: JiraFieldMeta, problems: FieldProblem[]): FieldProblem[] {
  if (problems.length <= MAX_PROBLEMS_PER_FIELD) return problems;
  const more = problems.length - MAX_PROBLEMS_PER_FIELD;
  const summary = problem(
    meta,
    problems[MAX_PROBLEMS_PER_FIELD]?.code ?? 'VALUE_INVALID',
    `… and ${more} more value${more === 1 ? '' : 's'} with problems`,
  );
  return [...problems.slice(0, MAX_PROBLEMS_PER_FIELD), summary];
}

/**
 * Shapes one rendered value for one field. An empty value gives no value and no problem (the
 * caller decides whether the field was required); an unknown list item is a problem.
 */
export function shapeFieldValue(
  meta: JiraFieldMeta,
  rendered: string,
  options: ShapingOptions,
  valueMap?: Readonly<Record<string, string>>,
): ShapedValue {
  const problems: FieldProblem[] = [];
  const kind = kindOf(meta);
  if (kind.kind === 'unsupported') {
    const type = meta.schema.items
      ? `${meta.schema.type} of ${meta.schema.items}`
      : meta.schema.type;
    return {
      problems: [
        problem(
          meta,
          'FIELD_TYPE_UNSUPPORTED',
          `fields of type "${type}" cannot be set by a template`,
        ),
      ],
    };
  }
  // The whole value is mapped first; only when no key matches it are list items mapped one by
  // one (a multi-select "A;B"), so no value is ever translated twice.
  const whole = mapWhole(rendered, valueMap);
  const mapped = whole ?? rendered;
  const mapItems = (items: string[]) =>
    whole === undefined ? items.map((item) => applyValueMap(item, valueMap)) : items;
  if (isBlank(mapped)) return { problems };

  const done = (value: JsonValue | undefined): ShapedValue => {
    const listed = listedProblems(meta, problems);
    return value === undefined || (Array.isArray(value) && value.length === 0)
      ? { problems: listed }
      : { value, problems: listed };
  };
  const collect = <T extends JsonValue>(items: string[], shape: (item: string) => T | undefined) =>
    items.map(shape).filter((item): item is T => item !== undefined);

  switch (kind.kind) {
    case 'text':
      return done(shapeText(meta, mapped, kind, options));
    case 'number':
      return done(shapeNumber(meta, mapped, problems));
    case 'date':
    case 'datetime':
      return done(shapeDate(meta, mapped, kind.kind, problems));
    case 'user':
      return done(shapeUser(meta, mapped.trim(), options, problems));
    case 'users':
      return done(
        collect(mapItems(splitList(mapped, /[;,\n]/)), (item) =>
          shapeUser(meta, item, options, problems),
        ),
      );
    case 'option':
    case 'named':
    case 'byId': {
      const shape =
        kind.kind === 'option' ? shapeOption : kind.kind === 'named' ? shapeNamed : shapeById;
      if (!kind.many) return done(shape(meta, mapped.trim(), problems));
      // Option values may contain commas, so only ";" and newlines separate them.
      const separators = kind.kind === 'option' ? /[;\n]/ : /[;,\n]/;
      return done(
        collect(mapItems(splitList(mapped, separators)), (item) => shape(meta, item, problems)),
      );
    }
    case 'labels':
      return done(cleanLabels(mapItems(splitList(mapped, /[;,]/)).join(',')));
    case 'strings':
      return done(mapItems(splitList(mapped, /[;\n]/)));
  }
}

/** Jira labels cannot hold spaces: split on commas, semicolons and whitespace, drop repeats. */
export function cleanLabels(value: string): string[] {
  const labels = new Set<string>();
  for (const raw of normaliseText(value).split(/[\s,;]+/)) {
    const labelText = raw.slice(0, SINGLE_LINE_LIMIT);
    if (labelText) labels.add(labelText);
  }
  return [...labels];
}

export interface FieldInput {
  fieldId: string;
  /** The rendered value (merge fields already replaced, default already applied). */
  value: string;
  valueMap?: Readonly<Record<string, string>>;
  /** Fields the template always carries (the description): absent from Jira and empty is fine. */
  optional?: boolean;
}

export interface ShapedFields {
  fields: Record<string, JsonValue>;
  problems: FieldProblem[];
}

function settable(meta: JiraFieldMeta): boolean {
  // DC lists project and issue type with no operations; an empty list is not a refusal.
  return (
    meta.operations.length === 0 ||
    meta.operations.includes('set') ||
    meta.operations.includes('add')
  );
}

/**
 * Shapes every mapped field against the create metadata of one project and issue type, and
 * reports required fields left empty that Jira would not fill by itself.
 */
export function shapeFields(
  inputs: readonly FieldInput[],
  createMeta: readonly JiraFieldMeta[],
  options: ShapingOptions & {
    alreadySet?: readonly string[];
    /** Named in the problems: the fields are those of the create or of a transition screen. */
    action?: 'create' | 'transition';
  },
): ShapedFields {
  const on = options.action === 'transition' ? 'on this transition' : 'on create';
  const byId = new Map(createMeta.map((meta) => [meta.fieldId, meta]));
  const fields: Record<string, JsonValue> = {};
  const problems: FieldProblem[] = [];
  const reported = new Set<string>();

  for (const input of inputs) {
    const meta = byId.get(input.fieldId);
    if (!meta) {
      if (input.optional && isBlank(input.value)) continue;
      const sameName = createMeta.find((m) => m.name.toLowerCase() === input.fieldId.toLowerCase());
      problems.push({
        field: input.fieldId,
        code: 'FIELD_UNKNOWN',
        message:
          `${input.fieldId}: not a field Jira accepts when creating this issue type in this project (unknown, or not on the create screen)` +
          (sameName ? `; did you mean ${sameName.fieldId} (${sameName.name})?` : ''),
      });
      reported.add(input.fieldId);
      continue;
    }
    if (!settable(meta)) {
      problems.push(
        problem(meta, 'FIELD_NOT_SETTABLE', `Jira does not allow setting this field ${on}`),
      );
      reported.add(meta.fieldId);
      continue;
    }
    const shaped = shapeFieldValue(meta, input.value, options, input.valueMap);
    problems.push(...shaped.problems);
    if (shaped.problems.length > 0) reported.add(meta.fieldId);
    if (shaped.value !== undefined) fields[meta.fieldId] = shaped.value;
  }

  const alreadySet = new Set(options.alreadySet ?? []);
  const mapped = new Set(inputs.map((input) => input.fieldId));
  for (const meta of createMeta) {
    if (!meta.required || meta.hasDefaultValue) continue;
    if (meta.fieldId in fields || alreadySet.has(meta.fieldId) || reported.has(meta.fieldId))
      continue;
    problems.push(
      problem(
        meta,
        'FIELD_REQUIRED',
        mapped.has(meta.fieldId)
          ? 'Jira requires a value, but the template rendered it empty for this record and sets no default'
          : `Jira requires this field ${on}, but the template does not map it`,
      ),
    );
  }
  return { fields, problems };
}
