import type { IssuePayload } from '../jira/endpoints/issue-create';
import { AppError, listForMessage } from '../lib/errors';
import type { JsonValue } from '../lib/json-value';
import { assertDataMinimised } from './data-minimisation';
import type { JiraFieldMeta } from '../jira/endpoints/createmeta-answers';
import {
  MAX_MERGED_CHARACTERS,
  renderMergeText,
  type MergeBudget,
  type MergeContext,
  type MergeUser,
} from './merge-fields';
import type { FieldMapping, RecordData, Template } from './template-schema';
import {
  shapeFields,
  type Deployment,
  type FieldInput,
  type FieldProblem,
  type ShapingOptions,
} from './value-shaping';

/**
 * The one builder of the Jira create payload. Preview and create both call it, so preview
 * shows exactly what create sends; create refuses when `problems` is not empty.
 */

export interface IssueTypeCreateMeta {
  /** The issue type id the template's `issueType` resolved to (see resolveIssueType). */
  issueTypeId: string;
  fields: readonly JiraFieldMeta[];
}

export interface RenderIssueInput {
  template: Template;
  record: RecordData;
  user?: MergeUser | null;
  orgId: string;
  now: Date;
  deployment: Deployment;
  createMeta: IssueTypeCreateMeta;
  textLimit?: number;
  fieldTextLimits?: ShapingOptions['fieldTextLimits'];
}

export interface RenderedIssue {
  payload: IssuePayload;
  /** Field ids in the payload, in order: what the audit records (never the values). */
  fieldsSent: string[];
  problems: FieldProblem[];
}

/**
 * Renders the template against the record. Throws TEMPLATE_DATA_MISSING/UNMAPPED (nothing can
 * be rendered honestly then); every other issue is returned in `problems`.
 */
export function renderIssuePayload(input: RenderIssueInput): RenderedIssue {
  const { template, record } = input;
  assertDataMinimised(template, record);

  const context: MergeContext = {
    record,
    user: input.user ?? null,
    orgId: input.orgId,
    now: input.now,
  };
  const problems: FieldProblem[] = [];
  const render = mergeRenderer(context, problems);

  const inputs: FieldInput[] = [
    { fieldId: 'summary', value: render('summary', template.summary) },
    { fieldId: 'description', value: render('description', template.description), optional: true },
    ...template.fields.map((mapping) => mappingInput(mapping, render)),
  ];

  const shaped = shapeFields(inputs, input.createMeta.fields, {
    deployment: input.deployment,
    ...(input.textLimit !== undefined ? { textLimit: input.textLimit } : {}),
    ...(input.fieldTextLimits ? { fieldTextLimits: input.fieldTextLimits } : {}),
    alreadySet: ['project', 'issuetype'],
  });
  problems.push(...shaped.problems);

  const fields: Record<string, JsonValue> = {
    project: { key: template.projectKey },
    issuetype: { id: input.createMeta.issueTypeId },
    ...shaped.fields,
  };
  return { payload: { fields }, fieldsSent: Object.keys(fields), problems };
}

/** One field mapping rendered for value shaping. */
function mappingInput(
  mapping: FieldMapping,
  render: (fieldId: string, text: string) => string,
): FieldInput {
  const rendered = render(mapping.jiraField, mapping.value);
  // The default stands in for an empty rendered value; value shaping then applies the value
  // map, translating Salesforce values (a default written as one too) into Jira's.
  const value =
    rendered.trim() === '' && mapping.default !== undefined ? mapping.default : rendered;
  return {
    fieldId: mapping.jiraField,
    value,
    ...(mapping.valueMap ? { valueMap: mapping.valueMap } : {}),
  };
}

/** Collects merge problems per field while rendering template text. */
/**
 * Renders one field's merge text after another against one budget: a record's merged values
 * are bounded across the whole template, so one request cannot make the relay build gigabytes.
 */
function mergeRenderer(context: MergeContext, problems: FieldProblem[]) {
  const budget: MergeBudget = { remaining: MAX_MERGED_CHARACTERS };
  let exhausted = false;
  return (fieldId: string, text: string): string => {
    if (exhausted) return '';
    const result = renderMergeText(text, context, budget);
    for (const p of result.problems) {
      problems.push({ field: fieldId, code: 'VALUE_INVALID', message: `${fieldId}: ${p.message}` });
    }
    if (result.exhausted) {
      exhausted = true;
      problems.push({
        field: fieldId,
        code: 'VALUE_INVALID',
        message: `${fieldId}: the record's merged values exceed ${MAX_MERGED_CHARACTERS.toLocaleString('en-US')} characters across the template; Jira takes at most 32,767 per field. Reference long fields once.`,
      });
    }
    return result.text;
  };
}

export interface RenderScreenInput {
  template: Template;
  /** The record's data, checked against the template; null when no mapping needs one. */
  record: RecordData | null;
  user?: MergeUser | null;
  orgId: string;
  now: Date;
  deployment: Deployment;
  /** The transition screen's fields (see parseScreenFields). */
  screen: readonly JiraFieldMeta[];
}

export interface RenderedScreen {
  /** Jira's `fields` for the transition: only screen fields the template maps. */
  fields: Record<string, JsonValue>;
  fieldsSent: string[];
  problems: FieldProblem[];
}

/** The template's field mappings that a transition screen has, in template order. */
export function mappingsOnScreen(
  template: Template,
  screen: readonly JiraFieldMeta[],
): FieldMapping[] {
  const onScreen = new Set(screen.map((field) => field.fieldId));
  return template.fields.filter((mapping) => onScreen.has(mapping.jiraField));
}

/**
 * The values a transition screen gets: the template's field mappings for the fields on the
 * screen, rendered from the record and shaped by the screen's field metadata exactly as create
 * does. Nothing else is ever sent, so a transition carries no data the template does not map.
 * A required screen field the template leaves empty is a problem, like on create.
 */
export function renderScreenFields(input: RenderScreenInput): RenderedScreen {
  const { template, record } = input;
  const mappings = mappingsOnScreen(template, input.screen);
  const problems: FieldProblem[] = [];
  let inputs: FieldInput[] = [];
  if (mappings.length > 0) {
    if (!record) throw new Error('renderScreenFields needs the record for mapped screen fields');
    assertDataMinimised(template, record);
    const render = mergeRenderer(
      { record, user: input.user ?? null, orgId: input.orgId, now: input.now },
      problems,
    );
    inputs = mappings.map((mapping) => mappingInput(mapping, render));
  }
  const shaped = shapeFields(inputs, input.screen, {
    deployment: input.deployment,
    action: 'transition',
  });
  problems.push(...shaped.problems);
  return { fields: shaped.fields, fieldsSent: Object.keys(shaped.fields), problems };
}

/** For create: refuse to send a payload that has problems, naming every field. */
export function assertNoProblems(rendered: RenderedIssue): void {
  if (rendered.problems.length === 0) return;
  throw new AppError(
    'TEMPLATE_INVALID',
    `The template cannot create a valid Jira issue for this record: ${listForMessage(
      rendered.problems.map((p) => p.message),
      '; ',
    )}`,
    {
      fieldErrors: rendered.problems.map((p) => ({ field: p.field, message: p.message })),
      extra: { problems: rendered.problems },
    },
  );
}
