import { z } from 'zod';
import { addComment } from '../jira/endpoints/comments';
import { isoDate } from '../jira/endpoints/issues';
import { AppError } from '../lib/errors';
import { salesforceRecordUrlSchema } from '../lib/salesforce-urls';
import { renderCommentBody } from '../templates/comment-body';
import type { OperationCaller } from '../audit/audit-recorder';
import { salesforceIdSchema } from '../lib/salesforce-ids';
import { issueActionNote, templateFor } from './link';
import type { IssueOperationDeps } from './issue-operation-deps';

/**
 * A comment from Salesforce: the relay posts as the connection's Jira user, so the body starts
 * with an attribution naming the Salesforce user and linking the record, then the user's text
 * (ADF on Cloud, escaped wiki markup on Server/DC). Too long, empty or not allowed → refused
 * before Jira is called.
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
}

/** POST /v1/issues/{key}/comments: one Jira call; audited as Comment (never the text). */
export async function commentOnIssue(
  deps: CommentDeps,
  caller: OperationCaller,
  key: string,
  body: CommentBody,
): Promise<{ comment: { id: string; created: string | null } }> {
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
    const client = await deps.jira.clientFor(caller.orgId, body.connection);
    const rendered = renderCommentBody({
      deployment: client.deployment,
      text: body.body,
      user: body.user,
      record: body.record,
    });
    note.fieldsSent = ['comment'];
    const created = await addComment(client, key, rendered);
    return { comment: { id: created.id, created: isoDate(created.created) } };
  });
}
