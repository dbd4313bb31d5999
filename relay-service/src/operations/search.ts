import {
  browseUrl,
  getIssueSummary,
  isIssueKey,
  normaliseIssueKey,
  projectKeyOf,
  type JiraIssueSummary,
} from '../jira/endpoints/issues';
import { pickIssues, projectsJql } from '../jira/endpoints/search';
import { AppError } from '../lib/errors';
import type { OperationCaller } from '../audit/audit-recorder';
import { toIssueSummaryView, type IssueSummaryView } from './status';
import type { IssueOperationDeps } from './issue-operation-deps';

/**
 * Finding an issue to link: Jira's issue picker for text, and when the text is an issue key,
 * that issue looked up directly (the picker may rank it low or, for an issue never viewed, not
 * list it at all). An exact match comes first.
 *
 * Only issues of the given projects (those of the templates for the record's object) are
 * offered: the picker gets `project in (…)` as its JQL, its answer is filtered by project once
 * more (the picker's history section is Jira's to fill), and an exact key found in another
 * project is no hit.
 */

export const MAX_SEARCH_RESULTS = 50;
/** More projects than any object has templates for; bounds the JQL the relay writes. */
export const MAX_SEARCH_PROJECTS = 50;

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

/** The project an issue is in now (a moved issue answers under its new key and project). */
function projectOf(issue: JiraIssueSummary): string {
  return (issue.fields.project?.key ?? projectKeyOf(issue.key)).toUpperCase();
}

/**
 * GET /v1/jira/{connection}/issues/search?query=&projects=: picker and exact lookup run side
 * by side. `projects` are upper-case project keys, already checked against PROJECT_KEY.
 */
export async function searchIssuesForLinking(
  deps: IssueOperationDeps,
  caller: OperationCaller,
  input: { connection: string; query: string; projects: readonly string[] },
): Promise<{ issues: SearchHit[] }> {
  return deps.auditRecorder.run(caller, 'View', { connection: input.connection }, async () => {
    const client = await deps.jira.clientFor(caller.orgId, input.connection);
    const query = input.query.trim();
    const projects = new Set(input.projects);
    const asKey = isIssueKey(query) ? normaliseIssueKey(query) : undefined;
    const [picked, found] = await Promise.all([
      pickIssues(client, query, projectsJql([...projects])),
      asKey
        ? getIssueSummary(client, asKey, ['project']).catch(noHitWhenAbsent)
        : Promise.resolve(null),
    ]);
    const exact = found && projects.has(projectOf(found)) ? found : null;
    const hits: SearchHit[] = [];
    if (exact) hits.push({ ...toIssueSummaryView(exact, client.siteUrl), exact: true });
    for (const issue of picked) {
      if (!projects.has(projectKeyOf(issue.key))) continue;
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
