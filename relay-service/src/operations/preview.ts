import { z } from 'zod';
import type { IssuePayload } from '../jira/endpoints/issue-create';
import type { JiraClient } from '../jira/jira-client';
import type { RelayCaller } from '../audit/audit-recorder';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { ISSUE_KEY } from '../jira/endpoints/issues';
import { recordGlobalId, remoteLinkBody } from '../jira/endpoints/remote-links';
import { assertDataMinimised } from '../templates/data-minimisation';
import type { MergeUser } from '../templates/merge-fields';
import { renderIssuePayload, type RenderedIssue } from '../templates/render-template';
import {
  parseRecord,
  parseTemplate,
  type RecordData,
  type Template,
} from '../templates/template-schema';
import type { FieldProblem } from '../templates/value-shaping';
import { requestFilesSchema } from './attachments';
import type { CreateMetaCache, ResolvedCreateMeta } from './create-meta-cache';
import { findSimilarIssues, type SimilarIssues } from './similar-issues';
import { MAX_STATUS_KEYS } from './status';

/**
 * Preview renders a template against a record exactly as create will, and returns the Jira
 * payload with every problem found; it never calls the create endpoint. Create and bulk
 * create build their payloads through `draftIssue`, so the two cannot drift apart.
 */

/** `{"name","email"}` of the Salesforce user, for `{{$User.*}}` merge fields. */
export const issueUserSchema = z
  .object({
    name: z.string().max(255).nullish(),
    email: z.string().max(255).nullish(),
  })
  .nullish();

const jsonObject = z.record(z.string(), z.unknown());

/** The envelope of preview and create; the template and record are checked by their own parsers. */
export const issueRequestBody = z.object({
  template: jsonObject,
  record: jsonObject,
  user: issueUserSchema,
  /** Record files to attach to the created issue (create only; preview ignores them). */
  files: requestFilesSchema,
});
export type IssueRequestBody = z.output<typeof issueRequestBody>;

export interface DraftDeps {
  jira: {
    clientFor(orgId: string, connectionName: string): Promise<JiraClient>;
    actingClientFor(caller: RelayCaller, connectionName: string): Promise<JiraClient>;
  };
  createMeta: CreateMetaCache;
  clock: Clock;
}

export interface IssueDraft {
  template: Template;
  record: RecordData;
  client: JiraClient;
  meta: ResolvedCreateMeta;
  rendered: RenderedIssue;
}

/** The user merge fields see; absent members stay absent. */
export function mergeUserOf(user: IssueRequestBody['user']): MergeUser | null {
  if (!user) return null;
  return { name: user.name ?? null, email: user.email ?? null };
}

/** The template, parsed once for a request (bulk renders many records with it). */
export interface TemplateTarget {
  template: Template;
  client: JiraClient;
  meta: ResolvedCreateMeta;
}

/**
 * Resolves where a template creates issues: its connection's client (or, given the acting
 * caller, the client their action runs on: their own Jira account where the connection says
 * so) and the create metadata of its project and issue type (cached). Call it only after the
 * record data passed the data minimisation check, so a refused record costs no Jira call.
 */
export async function targetOf(
  deps: DraftDeps,
  orgId: string,
  template: Template,
  actingCaller?: RelayCaller,
): Promise<TemplateTarget> {
  const client = actingCaller
    ? await deps.jira.actingClientFor(actingCaller, template.connection)
    : await deps.jira.clientFor(orgId, template.connection);
  const meta = await deps.createMeta.resolve(client, template.projectKey, template.issueType);
  return { template, client, meta };
}

/** Renders one record against a resolved target. */
export function renderDraft(
  deps: Pick<DraftDeps, 'clock'>,
  orgId: string,
  target: TemplateTarget,
  record: RecordData,
  user: MergeUser | null,
): IssueDraft {
  const rendered = renderIssuePayload({
    template: target.template,
    record,
    user,
    orgId,
    now: new Date(deps.clock.now()),
    deployment: target.client.deployment,
    createMeta: target.meta,
  });
  return { ...target, record, rendered };
}

export interface ParsedIssueRequest {
  template: Template;
  record: RecordData;
}

/** The request's template and record, checked without any call (data minimisation included). */
export function parseIssueRequest(body: IssueRequestBody): ParsedIssueRequest {
  const template = parseTemplate(body.template);
  const record = parseRecord(body.record);
  assertDataMinimised(template, record);
  return { template, record };
}

/**
 * Parses and checks a request, then renders it. Throws TEMPLATE_INVALID / VALIDATION_FAILED /
 * TEMPLATE_DATA_MISSING / TEMPLATE_DATA_UNMAPPED before any Jira call; field problems are
 * returned in `rendered.problems` (create refuses them, preview shows them).
 */
export async function draftIssue(
  deps: DraftDeps,
  orgId: string,
  body: IssueRequestBody,
  parsed: ParsedIssueRequest = parseIssueRequest(body),
  actingCaller?: RelayCaller,
): Promise<IssueDraft> {
  const { template, record } = parsed;
  const target = await targetOf(deps, orgId, template, actingCaller);
  return renderDraft(deps, orgId, target, record, mergeUserOf(body.user));
}

/** Preview also takes the issues already linked to the record, to mark them among similar ones. */
export const previewRequestBody = issueRequestBody.extend({
  linkedIssueKeys: z.array(z.string().regex(ISSUE_KEY)).max(MAX_STATUS_KEYS).default([]),
});
export type PreviewRequestBody = z.output<typeof previewRequestBody>;

export interface PreviewDeps extends DraftDeps {
  logger: Pick<Logger, 'warn'>;
}

export interface PreviewResult {
  /** Exactly the body create would POST to `{api}/issue`. */
  payload: IssuePayload;
  fieldsSent: string[];
  problems: FieldProblem[];
  /** Whether create would send it (no problems). */
  ready: boolean;
  deployment: JiraClient['deployment'];
  issueType: { id: string; name: string };
  /** The remote link create would add back to the record, when the template asks for one. */
  remoteLink: Record<string, unknown> | null;
  /** Open issues of the project like this one (the duplicate guard); never blocks a create. */
  similarIssues: SimilarIssues;
}

export async function previewIssue(
  deps: PreviewDeps,
  orgId: string,
  body: PreviewRequestBody,
): Promise<PreviewResult> {
  const draft = await draftIssue(deps, orgId, body);
  const summary = draft.rendered.payload.fields.summary;
  return {
    payload: draft.rendered.payload,
    fieldsSent: draft.rendered.fieldsSent,
    problems: draft.rendered.problems,
    ready: draft.rendered.problems.length === 0,
    deployment: draft.client.deployment,
    issueType: { id: draft.meta.issueType.id, name: draft.meta.issueType.name },
    remoteLink: draft.template.remoteLink ? remoteLinkBody(remoteLinkOf(orgId, draft)) : null,
    similarIssues: await findSimilarIssues(
      draft.client,
      draft.template,
      typeof summary === 'string' ? summary : '',
      body.linkedIssueKeys,
      deps.logger,
    ),
  };
}

/** The link back to the record that create adds (and preview shows). */
export function remoteLinkOf(
  orgId: string,
  draft: { record: RecordData },
): { globalId: string; url: string; title: string } {
  const { record } = draft;
  return {
    globalId: recordGlobalId(orgId, record.id),
    url: record.url,
    // Only the object name and id: the template decides which field values leave the org,
    // and the link title is not part of the template.
    title: `Salesforce ${record.objectApiName} ${record.id}`,
  };
}
