import {
  getIssueView,
  isoDate,
  userName,
  type JiraIssueView,
  type JiraTransitionJson,
} from '../jira/endpoints/issues';
import { sanitizeJiraHtml } from '../templates/html-sanitizer';
import type { OperationCaller } from '../audit/audit-recorder';
import type { IssueOperationDeps } from './issue-operation-deps';
import { toIssueSummaryView, type IssueSummaryView } from './status';

/**
 * The inline view of one issue on a Salesforce record page: one Jira call, Jira's HTML made
 * inert, dates as ISO-8601 UTC, names instead of account ids.
 */

/** How many comments the view carries; the rest are a click away in Jira. */
export const RECENT_COMMENTS = 20;

export interface TransitionView {
  id: string;
  name: string;
  toStatus: string | null;
  toStatusCategory: string | null;
}

export interface CommentView {
  id: string;
  author: string | null;
  created: string | null;
  bodyHtml: string;
}

/** The summary (the fields the record page list shows) and the rest of the inline view. */
export interface IssueView extends IssueSummaryView {
  issueType: string | null;
  reporter: string | null;
  created: string | null;
  labels: string[];
  descriptionHtml: string | null;
  /** Newest first, at most RECENT_COMMENTS. */
  comments: CommentView[];
  /** All comments on the issue, shown or not. */
  commentCount: number;
  transitions: TransitionView[];
}

export function transitionView(transition: JiraTransitionJson): TransitionView {
  return {
    id: transition.id,
    name: transition.name,
    toStatus: transition.to?.name ?? null,
    toStatusCategory: transition.to?.statusCategory?.key ?? null,
  };
}

export function toIssueView(issue: JiraIssueView, siteUrl: string): IssueView {
  const { fields } = issue;
  const clean = (html: string | null | undefined) => sanitizeJiraHtml(html ?? '', { siteUrl });
  // The comment bodies are Jira's rendered HTML (ADF or wiki turned into HTML by Jira itself);
  // id, author and date come from the raw fields, whose dates are not localised text.
  const rendered = new Map(
    (issue.renderedFields?.comment?.comments ?? []).map((c) => [c.id, c.body ?? '']),
  );
  const comments = fields.comment?.comments ?? [];
  return {
    ...toIssueSummaryView(issue, siteUrl),
    issueType: fields.issuetype?.name ?? null,
    reporter: userName(fields.reporter),
    created: isoDate(fields.created),
    labels: fields.labels ?? [],
    descriptionHtml: issue.renderedFields?.description
      ? clean(issue.renderedFields.description)
      : null,
    comments: comments
      .slice(-RECENT_COMMENTS)
      .reverse()
      .map((comment) => ({
        id: comment.id,
        author: userName(comment.author),
        created: isoDate(comment.created),
        bodyHtml: clean(rendered.get(comment.id)),
      })),
    commentCount: fields.comment?.total ?? comments.length,
    transitions: issue.transitions.map(transitionView),
  };
}

/** GET /v1/issues/{key}: exactly one Jira call; audited as View. */
export async function viewIssue(
  deps: IssueOperationDeps,
  caller: OperationCaller,
  input: { connection: string; key: string },
): Promise<IssueView> {
  return deps.auditRecorder.run(
    caller,
    'View',
    { connection: input.connection, issueKey: input.key },
    async () => {
      const client = await deps.jira.clientFor(caller.orgId, input.connection);
      return toIssueView(await getIssueView(client, input.key), client.siteUrl);
    },
  );
}
