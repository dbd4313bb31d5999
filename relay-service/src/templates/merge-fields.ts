import type { RecordFields } from './record-fields';
import { formatIsoDate, parseIsoDate } from './iso-date';

/**
 * The merge-field language of rule templates: `{{Path | filter:arg | …}}`.
 * There are no expressions, loops or code: a tag names one value and a fixed list of filters
 * reshapes it. Salesforce text is data and is never re-parsed as a template.
 */

export const BUILT_IN_PATHS = [
  '$Record.Id',
  '$Record.Url',
  '$User.Name',
  '$User.Email',
  '$Org.Id',
  '$Now',
] as const;
export type BuiltInPath = (typeof BUILT_IN_PATHS)[number];

export const FILTER_NAMES = ['truncate', 'default', 'upper', 'lower', 'date'] as const;

export type MergeFilter =
  | { name: 'truncate'; length: number }
  | { name: 'default'; text: string }
  | { name: 'upper' }
  | { name: 'lower' }
  | { name: 'date'; format: string };

export interface MergeTag {
  kind: 'tag';
  path: string;
  filters: MergeFilter[];
  /** Index of the opening `{{` in the source. */
  start: number;
  /** Index just after the closing `}}`. */
  end: number;
}

export interface MergeText {
  kind: 'text';
  text: string;
}

export type MergePart = MergeText | MergeTag;

/** A template text that cannot be parsed; `position` is the 0-based index of the culprit. */
export class MergeFieldSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at character ${position + 1}`);
    this.name = 'MergeFieldSyntaxError';
  }
}

const FIELD_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;
const MAX_TRUNCATE = 1_000_000;
const MAX_FORMAT_LENGTH = 64;

/**
 * Limits that keep the work of one template in proportion to its size (README, "Security").
 * Merge fields are counted over all of a template's texts; a tag's filters run one after the
 * other over its value, so their number multiplies the work.
 */
export const MAX_MERGE_FIELDS = 500;
export const MAX_FILTERS_PER_TAG = 5;
/**
 * The merged values of one record, summed over the template's texts. Jira takes at most 32,767
 * characters per text field, so only a template that repeats long values reaches this; it is
 * refused (a problem on the field where it happened) instead of building a huge payload.
 */
export const MAX_MERGED_CHARACTERS = 1_048_576;

export function isBuiltInPath(path: string): path is BuiltInPath {
  return (BUILT_IN_PATHS as readonly string[]).includes(path);
}

/** Parses a template text into literal text and tags, or throws MergeFieldSyntaxError. */
export function parseMergeText(source: string): MergePart[] {
  return new Parser(source).parse();
}

class Parser {
  private i = 0;
  private readonly parts: MergePart[] = [];

  constructor(private readonly src: string) {}

  parse(): MergePart[] {
    while (this.i < this.src.length) {
      const open = this.src.indexOf('{{', this.i);
      if (open < 0) {
        this.pushText(this.src.slice(this.i));
        break;
      }
      this.pushText(this.src.slice(this.i, open));
      this.parts.push(this.tag(open));
    }
    return this.parts;
  }

  private pushText(text: string): void {
    if (text) this.parts.push({ kind: 'text', text });
  }

  private tag(start: number): MergeTag {
    this.i = start + 2;
    this.skipSpaces();
    const path = this.path(start);
    const filters: MergeFilter[] = [];
    for (;;) {
      this.skipSpaces();
      if (this.i >= this.src.length) throw this.unterminated(start);
      if (this.src.startsWith('}}', this.i)) {
        this.i += 2;
        return { kind: 'tag', path, filters, start, end: this.i };
      }
      if (this.src[this.i] === '|') {
        if (filters.length === MAX_FILTERS_PER_TAG) {
          throw new MergeFieldSyntaxError(
            `A merge field takes at most ${MAX_FILTERS_PER_TAG} filters`,
            this.i,
          );
        }
        this.i += 1;
        filters.push(this.filter(start));
        continue;
      }
      throw this.unexpected();
    }
  }

  private path(start: number): string {
    const from = this.i;
    while (this.i < this.src.length && !/[\s|{}]/.test(this.src[this.i] ?? '')) this.i += 1;
    const path = this.src.slice(from, this.i);
    if (!path) {
      if (this.i >= this.src.length) throw this.unterminated(start);
      if (this.src.startsWith('{{', this.i)) throw this.nested();
      throw new MergeFieldSyntaxError('Merge field has no field path', from);
    }
    if (path.startsWith('$')) {
      if (!isBuiltInPath(path)) {
        throw new MergeFieldSyntaxError(
          `Unknown built-in "${path}" (known: ${BUILT_IN_PATHS.join(', ')})`,
          from,
        );
      }
    } else if (!FIELD_PATH.test(path)) {
      throw new MergeFieldSyntaxError(
        `"${path}" is not a field API name or relationship path such as Account.Name`,
        from,
      );
    }
    return path;
  }

  private filter(start: number): MergeFilter {
    this.skipSpaces();
    const from = this.i;
    while (/[A-Za-z]/.test(this.src[this.i] ?? '')) this.i += 1;
    const name = this.src.slice(from, this.i);
    if (!name) {
      if (this.i >= this.src.length) throw this.unterminated(start);
      throw new MergeFieldSyntaxError('Expected a filter name after "|"', from);
    }
    this.skipSpaces();
    let arg: { text: string; quoted: boolean; at: number } | undefined;
    if (this.src[this.i] === ':') {
      this.i += 1;
      this.skipSpaces();
      arg = this.argument(start);
    }
    switch (name) {
      case 'upper':
      case 'lower':
        if (arg) throw new MergeFieldSyntaxError(`Filter "${name}" takes no argument`, arg.at);
        return { name };
      case 'truncate': {
        if (!arg || arg.quoted || !/^\d+$/.test(arg.text)) {
          throw new MergeFieldSyntaxError(
            'Filter "truncate" needs a whole number of characters, e.g. truncate:2000',
            arg?.at ?? from,
          );
        }
        const length = Number(arg.text);
        if (length < 1 || length > MAX_TRUNCATE) {
          throw new MergeFieldSyntaxError(
            `Filter "truncate" needs a length from 1 to ${MAX_TRUNCATE}`,
            arg.at,
          );
        }
        return { name, length };
      }
      case 'default':
        if (!arg || !arg.quoted) {
          throw new MergeFieldSyntaxError(
            'Filter "default" needs a quoted text, e.g. default:"Medium"',
            arg?.at ?? from,
          );
        }
        return { name, text: arg.text };
      case 'date':
        if (!arg || !arg.quoted || !arg.text || arg.text.length > MAX_FORMAT_LENGTH) {
          throw new MergeFieldSyntaxError(
            `Filter "date" needs a quoted format of at most ${MAX_FORMAT_LENGTH} characters, e.g. date:"YYYY-MM-DD"`,
            arg?.at ?? from,
          );
        }
        return { name, format: arg.text };
      default:
        throw new MergeFieldSyntaxError(
          `Unknown filter "${name}" (known: ${FILTER_NAMES.join(', ')})`,
          from,
        );
    }
  }

  private argument(start: number): { text: string; quoted: boolean; at: number } {
    const at = this.i;
    if (this.src[this.i] !== '"') {
      while (this.i < this.src.length && !/[\s|{}]/.test(this.src[this.i] ?? '')) this.i += 1;
      if (this.i === at) {
        if (this.i >= this.src.length) throw this.unterminated(start);
        throw new MergeFieldSyntaxError('Expected a filter argument after ":"', at);
      }
      return { text: this.src.slice(at, this.i), quoted: false, at };
    }
    this.i += 1;
    let text = '';
    while (this.i < this.src.length) {
      const ch = this.src[this.i] ?? '';
      if (ch === '"') {
        this.i += 1;
        return { text, quoted: true, at };
      }
      // Forbidding "{{" inside a tag keeps the simple path scan (Apex side) and this parser in
      // agreement about which fields a template references.
      if (this.src.startsWith('{{', this.i)) throw this.nested();
      if (ch === '\\' && (this.src[this.i + 1] === '"' || this.src[this.i + 1] === '\\')) {
        text += this.src[this.i + 1];
        this.i += 2;
        continue;
      }
      text += ch;
      this.i += 1;
    }
    throw new MergeFieldSyntaxError('Unterminated quoted text in merge field', at);
  }

  private skipSpaces(): void {
    while (/\s/.test(this.src[this.i] ?? '')) this.i += 1;
  }

  private unterminated(start: number): MergeFieldSyntaxError {
    return new MergeFieldSyntaxError('Unterminated merge field: "{{" without "}}"', start);
  }

  private nested(): MergeFieldSyntaxError {
    return new MergeFieldSyntaxError('"{{" is not allowed inside a merge field', this.i);
  }

  private unexpected(): MergeFieldSyntaxError {
    return new MergeFieldSyntaxError(
      `Unexpected "${this.src[this.i]}" in merge field; expected "|" or "}}"`,
      this.i,
    );
  }
}

/**
 * The record paths one text references: for every "{{", skip blanks and take characters up to
 * the next blank, "|" or "}". Built-ins (starting with "$") are not record fields. This is the
 * scan Apex runs to decide which fields to query, so it must stay this simple.
 */
export function scanReferencedPaths(text: string): string[] {
  return [...scanInto(text, new Set<string>())];
}

function scanInto(text: string, paths: Set<string>): Set<string> {
  for (const match of text.matchAll(/\{\{\s*([^\s|}]+)/g)) {
    const path = match[1] ?? '';
    if (!path.startsWith('$')) paths.add(path);
  }
  return paths;
}

/** How many merge fields a text holds: each one opens with "{{" ("{{" inside one is refused). */
export function countMergeFields(text: string): number {
  let count = 0;
  for (let at = text.indexOf('{{'); at >= 0; at = text.indexOf('{{', at + 2)) count += 1;
  return count;
}

/** The texts of a template that may hold merge fields (defaults and value maps are literal). */
export interface TemplateTexts {
  summary: string;
  description: string;
  fields: ReadonlyArray<{ value: string }>;
}

export function templateTexts(template: TemplateTexts): string[] {
  return [template.summary, template.description, ...template.fields.map((f) => f.value)];
}

/** Every record path the template references, in order of first use, without duplicates. */
export function referencedPaths(template: TemplateTexts): string[] {
  const paths = new Set<string>();
  for (const text of templateTexts(template)) scanInto(text, paths);
  return [...paths];
}

export type PathLookup = { found: true; value: unknown } | { found: false };

/**
 * Walks a relationship path through nested record data. A null relationship (an empty lookup in
 * Salesforce) makes every path below it present with the value null.
 */
export function lookupRecordPath(fields: RecordFields, path: string): PathLookup {
  let current: unknown = fields;
  for (const segment of path.split('.')) {
    if (current === null) return { found: true, value: null };
    if (typeof current !== 'object' || !Object.hasOwn(current, segment)) return { found: false };
    current = (current as Record<string, unknown>)[segment];
  }
  return { found: true, value: current };
}

export interface MergeUser {
  name?: string | null;
  email?: string | null;
}

export interface MergeContext {
  record: { id: string; url: string; fields: RecordFields };
  user?: MergeUser | null;
  orgId: string;
  now: Date;
}

export interface MergeRenderProblem {
  path: string;
  message: string;
}

export interface MergeRenderResult {
  text: string;
  problems: MergeRenderProblem[];
  /** Set when the budget ran out: `text` stops at the merge field that did not fit. */
  exhausted?: true;
}

/** Characters of merged values still allowed; shared by the texts of one record. */
export interface MergeBudget {
  remaining: number;
}

/**
 * Renders parsed (or raw) template text. Data problems (a date that is not a date, a
 * relationship used as a value) are reported, not thrown, so preview can list all of them.
 * With a budget, each merged value is charged (before its filters run, as they take time in
 * proportion to it) and rendering stops at the first one that no longer fits.
 */
export function renderMergeText(
  source: string | readonly MergePart[],
  context: MergeContext,
  budget?: MergeBudget,
): MergeRenderResult {
  const parts = typeof source === 'string' ? parseMergeText(source) : source;
  const problems: MergeRenderProblem[] = [];
  let text = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      text += part.text;
      continue;
    }
    let value = resolveValue(part.path, context, problems);
    if (budget) {
      if (value.length > budget.remaining) return { text, problems, exhausted: true };
      budget.remaining -= value.length;
    }
    for (const filter of part.filters) value = applyFilter(filter, value, part.path, problems);
    text += value;
  }
  return { text, problems };
}

/** The first `length` code points of `value`, or its first `length - 1` and "…" if longer. */
function truncateCodePoints(value: string, length: number): string {
  // Walks at most `length` code points: the value may be far longer than the result.
  let index = 0;
  let keep = 0;
  for (let count = 0; count < length; count += 1) {
    if (index >= value.length) return value;
    if (count === length - 1) keep = index;
    index += (value.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  }
  return index >= value.length ? value : `${value.slice(0, keep)}…`;
}

function resolveValue(path: string, context: MergeContext, problems: MergeRenderProblem[]) {
  if (isBuiltInPath(path)) {
    switch (path) {
      case '$Record.Id':
        return context.record.id;
      case '$Record.Url':
        return context.record.url;
      case '$User.Name':
        return context.user?.name ?? '';
      case '$User.Email':
        return context.user?.email ?? '';
      case '$Org.Id':
        return context.orgId;
      case '$Now':
        return context.now.toISOString();
    }
  }
  const lookup = lookupRecordPath(context.record.fields, path);
  if (!lookup.found || lookup.value === null || lookup.value === undefined) return '';
  const value = lookup.value;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  problems.push({
    path,
    message: `${path} is a relationship, not a value; reference one of its fields, e.g. ${path}.Name`,
  });
  return '';
}

function applyFilter(
  filter: MergeFilter,
  value: string,
  path: string,
  problems: MergeRenderProblem[],
): string {
  switch (filter.name) {
    case 'truncate':
      return truncateCodePoints(value, filter.length);
    case 'default':
      return value.trim() === '' ? filter.text : value;
    case 'upper':
      return value.toUpperCase();
    case 'lower':
      return value.toLowerCase();
    case 'date': {
      if (value.trim() === '') return '';
      const parsed = parseIsoDate(value);
      if (!parsed) {
        problems.push({ path, message: `${path} is not an ISO date or datetime: "${value}"` });
        return '';
      }
      return formatIsoDate(parsed, filter.format);
    }
  }
}
