import {
  browseUrl,
  isoDate,
  normaliseIssueKey,
  statusOf,
  SUMMARY_FIELDS,
  userName,
  type JiraIssueSummary,
} from '../jira/endpoints/issues';
import { searchIssuesByKey } from '../jira/endpoints/search';
import type { OperationCaller } from '../audit/audit-recorder';
import type { IssueOperationDeps } from './issue-operation-deps';

/**
 * The compact state of the issues linked to a record, for the record page list: one Jira
 * search for all of them, and the keys Jira did not return listed as missing (deleted, moved
 * to a key the link does not know, or not visible to the connection's Jira user).
 */

/** Keys per request: one JQL `key in (…)` stays well inside URL and JQL limits. */
export const MAX_STATUS_KEYS = 100;

export interface IssueStatusView {
  name: string;
  /** Jira's status category key: new, indeterminate or done. */
  category: string | null;
}

export interface IssueSummaryView {
  key: string;
  id: string;
  /** The https page of the issue; null when the Jira site is not https (see browseUrl). */
  url: string | null;
  summary: string | null;
  status: IssueStatusView | null;
  priority: string | null;
  assignee: string | null;
  updated: string | null;
}

export function toIssueSummaryView(issue: JiraIssueSummary, siteUrl: string): IssueSummaryView {
  const { fields } = issue;
  return {
    key: issue.key,
    id: issue.id,
    url: browseUrl(siteUrl, issue.key),
    summary: fields.summary ?? null,
    status: statusOf(fields.status),
    priority: fields.priority?.name ?? null,
    assignee: userName(fields.assignee),
    updated: isoDate(fields.updated),
  };
}

/** GET /v1/issues?keys=…: one Jira call; audited as View (the tenant decides whether Views are kept). */
export async function statusOfIssues(
  deps: IssueOperationDeps,
  caller: OperationCaller,
  input: { connection: string; keys: readonly string[] },
): Promise<{ issues: IssueSummaryView[]; missing: string[] }> {
  return deps.auditRecorder.run(caller, 'View', { connection: input.connection }, async () => {
    const keys = [...new Set(input.keys.map(normaliseIssueKey))];
    const client = await deps.jira.clientFor(caller.orgId, input.connection);
    const found = await searchIssuesByKey(client, keys, SUMMARY_FIELDS);
    const byKey = new Map(found.map((issue) => [normaliseIssueKey(issue.key), issue]));
    return {
      // In the order asked for, so the caller's list keeps its order.
      issues: keys.flatMap((key) => {
        const issue = byKey.get(key);
        return issue ? [toIssueSummaryView(issue, client.siteUrl)] : [];
      }),
      missing: keys.filter((key) => !byKey.has(key)),
    };
  });
}
