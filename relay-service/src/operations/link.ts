import { z } from 'zod';
import { getIssueSummary, normaliseIssueKey } from '../jira/endpoints/issues';
import { recordGlobalId, upsertRemoteLink } from '../jira/endpoints/remote-links';
import { AppError } from '../lib/errors';
import { salesforceRecordUrlSchema } from '../lib/salesforce-urls';
import { salesforceIdSchema } from '../lib/salesforce-ids';
import { parseTemplate, type Template } from '../templates/template-schema';
import type { AuditNote, OperationCaller } from '../audit/audit-recorder';
import { toIssueSummaryView, type IssueSummaryView } from './status';
import type { IssueOperationDeps } from './issue-operation-deps';

/**
 * Linking an existing issue to a Salesforce record: the issue must exist and be visible to the
 * connection (Jira's 404 and 403 stay apart), and when the template asks for it a remote link
 * back to the record is added (upserted by globalId, so linking twice never adds two).
 */

export const linkRecordSchema = z.strictObject({
  id: salesforceIdSchema(),
  url: salesforceRecordUrlSchema,
  objectApiName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected an object API name'),
  title: z.string().trim().min(1).max(255),
});

export const linkBody = z.strictObject({
  connection: z.string().min(1).max(80),
  record: linkRecordSchema,
  // Checked by parseTemplate, which names every bad member as TEMPLATE_INVALID.
  template: z.record(z.string(), z.unknown()).nullable().default(null),
});
export type LinkBody = z.output<typeof linkBody>;

export interface LinkResult {
  issue: Pick<IssueSummaryView, 'key' | 'id' | 'url' | 'summary' | 'status'>;
  remoteLink: boolean;
}

/** A template belongs to one connection; acting on another with it is a caller mistake. */
export function templateFor(input: Record<string, unknown>, connection: string): Template;
export function templateFor(
  input: Record<string, unknown> | null | undefined,
  connection: string,
): Template | null;
export function templateFor(
  input: Record<string, unknown> | null | undefined,
  connection: string,
): Template | null {
  if (!input) return null;
  const template = parseTemplate(input);
  if (template.connection !== connection) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The template is for connection "${template.connection}", but the request names "${connection}".`,
      { fieldErrors: [{ field: 'connection', message: 'does not match template.connection' }] },
    );
  }
  return template;
}

/** What the audit event of an action on one issue says before the request is checked further. */
export function issueActionNote(
  body: {
    connection: string;
    template?: Record<string, unknown> | null;
    record?: { id: string };
  },
  key: string,
): AuditNote {
  return {
    connection: body.connection,
    issueKey: normaliseIssueKey(key),
    recordId: body.record?.id ?? null,
    templateId: typeof body.template?.id === 'string' ? body.template.id : null,
  };
}

/** POST /v1/issues/{key}/links: one read, plus one remote-link write when the template says so. */
export async function linkIssue(
  deps: IssueOperationDeps,
  caller: OperationCaller,
  key: string,
  body: LinkBody,
): Promise<LinkResult> {
  return deps.auditRecorder.run(caller, 'Link', issueActionNote(body, key), async (note) => {
    const template = templateFor(body.template, body.connection);
    const client = await deps.jira.actingClientFor(caller, body.connection);
    note.identity = client.identity;
    const issue = toIssueSummaryView(await getIssueSummary(client, key), client.siteUrl);
    // Jira resolves an old key of a moved issue; the link keeps the issue's current key.
    note.issueKey = issue.key;
    let remoteLink = false;
    if (template?.remoteLink) {
      await upsertRemoteLink(client, issue.key, {
        globalId: recordGlobalId(caller.orgId, body.record.id),
        url: body.record.url,
        title: body.record.title,
        summary: body.record.objectApiName,
      });
      remoteLink = true;
    }
    const { key: issueKey, id, url, summary, status } = issue;
    return { issue: { key: issueKey, id, url, summary, status }, remoteLink };
  });
}
