import type { Logger } from 'pino';
import { z } from 'zod';
import { addComment } from '../jira/endpoints/comments';
import { isoDate, normaliseIssueKey } from '../jira/endpoints/issues';
import { AppError } from '../lib/errors';
import { salesforceRecordUrlSchema } from '../lib/salesforce-urls';
import { renderCommentBody } from '../templates/comment-body';
import type { OperationCaller } from '../audit/audit-recorder';
import { salesforceIdSchema } from '../lib/salesforce-ids';
import {
  checkFiles,
  filesSentLines,
  requestFilesSchema,
  sendFiles,
  type AttachmentResult,
  type RecordFilesSource,
} from './attachments';
import { issueActionNote, templateFor } from './link';
import type { IssueOperationDeps } from './issue-operation-deps';

/**
 * A comment from Salesforce: posted as the user's own Jira account when the connection and the
 * user's grant allow it (issue #16; the body then starts with a line linking the record), else
 * as the connection's Jira user with an attribution naming the Salesforce user and linking the
 * record; then the user's text
 * (ADF on Cloud, escaped wiki markup on Server/DC). Too long, empty or not allowed → refused
 * before Jira is called. Files of the record go with it when the link's template allows them:
 * checked before the comment is posted, streamed to the issue after it.
 */

/**
 * Far above Jira's comment limit on purpose: the real check (attribution and escaping
 * included) is `renderCommentBody`, which says how long the text is and what Jira accepts.
 */
const MAX_RAW_BODY = 1_000_000;

export const commentBody = z.strictObject({
  connection: z.string().min(1).max(80),
  body: z.string().max(MAX_RAW_BODY),
  record: z.strictObject({
    id: salesforceIdSchema(),
    url: salesforceRecordUrlSchema,
  }),
  user: z
    .strictObject({ name: z.string().max(255).nullish(), email: z.string().max(320).nullish() })
    .nullish(),
  /** The link's template, when it has one: its `allowComments` decides. */
  template: z.record(z.string(), z.unknown()).nullish(),
  /** Record files to attach to the issue with the comment, as the template allows. */
  files: requestFilesSchema,
});
export type CommentBody = z.output<typeof commentBody>;

/**
 * Whether people may comment on an issue linked without a template, per connection (the
 * connection's `allowCommentsWithoutTemplate` setting, on by default: such links are made by
 * hand from the record page). A template's `allowComments` always wins.
 */
export type CommentsWithoutTemplate = (orgId: string, connection: string) => Promise<boolean>;

export const commentsAllowedByDefault: CommentsWithoutTemplate = () => Promise.resolve(true);

export interface CommentDeps extends IssueOperationDeps {
  commentsWithoutTemplate?: CommentsWithoutTemplate;
  /** The tenant's org, for the files a comment names; without it, files are refused. */
  salesforceFiles?: RecordFilesSource;
  logger: Logger;
}

export interface CommentResult {
  comment: { id: string; created: string | null };
  /** Per file named in the request: attached, or why not. Absent when none was named. */
  attachments?: AttachmentResult[];
}

/** POST /v1/issues/{key}/comments: one Jira call; audited as Comment (never the text). */
export async function commentOnIssue(
  deps: CommentDeps,
  caller: OperationCaller,
  key: string,
  body: CommentBody,
): Promise<CommentResult> {
  return deps.auditRecorder.run(caller, 'Comment', issueActionNote(body, key), async (note) => {
    const template = templateFor(body.template, body.connection);
    const allowed = template
      ? template.allowComments
      : await (deps.commentsWithoutTemplate ?? commentsAllowedByDefault)(
          caller.orgId,
          body.connection,
        );
    if (!allowed) {
      throw new AppError(
        'COMMENTS_NOT_ALLOWED',
        template
          ? `The template "${template.name}" does not allow comments from Salesforce.`
          : `Connection "${body.connection}" does not allow comments on issues linked without a template.`,
      );
    }
    const files = await checkFiles(
      deps.salesforceFiles,
      { orgId: caller.orgId, recordId: body.record.id, files: body.files },
      template?.attachments ?? null,
      template?.name ?? null,
    );
    const client = await deps.jira.actingClientFor(caller, body.connection);
    note.identity = client.identity;
    const rendered = renderCommentBody({
      deployment: client.deployment,
      text: body.body,
      user: body.user,
      record: body.record,
      authoredByUser: client.identity === 'user',
    });
    note.fieldsSent = ['comment'];
    const created = await addComment(client, key, rendered);
    const result: CommentResult = {
      comment: { id: created.id, created: isoDate(created.created) },
    };
    if (files.length > 0) {
      result.attachments = await sendFiles(
        deps.salesforceFiles,
        client,
        { orgId: caller.orgId, issueKey: normaliseIssueKey(key) },
        files,
        deps.logger,
      );
      note.filesSent = filesSentLines(result.attachments);
    }
    return result;
  });
}
