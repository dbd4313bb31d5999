import {
  browseUrl,
  getIssueSummary,
  isIssueKey,
  normaliseIssueKey,
} from '../jira/endpoints/issues';
import { pickIssues } from '../jira/endpoints/search';
import { AppError } from '../lib/errors';
import type { OperationCaller } from './audit-recorder';
import { toIssueSummaryView, type IssueSummaryView } from './status';
import type { IssueOperationDeps } from './view';

/**
 * Finding an issue to link: Jira's issue picker for text, and when the text is an issue key,
 * that issue looked up directly (the picker may rank it low or, for an issue never viewed, not
 * list it at all). An exact match comes first.
 */

export const MAX_SEARCH_RESULTS = 50;

export type SearchHit = Omit<IssueSummaryView, 'status' | 'priority' | 'assignee' | 'updated'> &
  Partial<Pick<IssueSummaryView, 'status' | 'priority' | 'assignee' | 'updated'>> & {
    /** True for the issue whose key is exactly the query. */
    exact: boolean;
  };

/** An exact key that does not exist, or that the connection may not see, is simply no hit. */
function noHitWhenAbsent(error: unknown): null {
  if (
    error instanceof AppError &&
    (error.code === 'JIRA_NOT_FOUND' || error.code === 'JIRA_FORBIDDEN')
  )
    return null;
  throw error;
}

/** GET /v1/jira/{connection}/issues/search?query=: picker and exact lookup run side by side. */
export async function searchIssuesForLinking(
  deps: IssueOperationDeps,
  caller: OperationCaller,
  input: { connection: string; query: string },
): Promise<{ issues: SearchHit[] }> {
  return deps.auditRecorder.run(caller, 'View', { connection: input.connection }, async () => {
    const client = await deps.jira.clientFor(caller.orgId, input.connection);
    const query = input.query.trim();
    const asKey = isIssueKey(query) ? normaliseIssueKey(query) : undefined;
    const [picked, exact] = await Promise.all([
      pickIssues(client, query),
      asKey ? getIssueSummary(client, asKey).catch(noHitWhenAbsent) : Promise.resolve(null),
    ]);
    const hits: SearchHit[] = [];
    if (exact) hits.push({ ...toIssueSummaryView(exact, client.siteUrl), exact: true });
    for (const issue of picked) {
      if (exact && normaliseIssueKey(issue.key) === normaliseIssueKey(exact.key)) continue;
      hits.push({
        key: issue.key,
        id: issue.id ?? '',
        url: browseUrl(client.siteUrl, issue.key),
        summary: issue.summary || null,
        exact: false,
      });
    }
    return { issues: hits.slice(0, MAX_SEARCH_RESULTS) };
  });
}
