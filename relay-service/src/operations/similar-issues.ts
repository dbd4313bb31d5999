import {
  browseUrl,
  isoDate,
  normaliseIssueKey,
  statusOf,
  type JiraIssueSummary,
} from '../jira/endpoints/issues';
import { searchSimilarIssues, significantWords } from '../jira/endpoints/similar-issues';
import type { JiraClient } from '../jira/jira-client';
import { AppError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { Template } from '../templates/template-schema';
import type { IssueStatusView } from './status';

/**
 * The duplicate guard: before a user creates an issue, the open issues of the template's project
 * whose summary shares the significant words of the one about to be created. It informs; it
 * never blocks. A failed search is reported as not checked and the preview (and create) go on.
 */

export interface SimilarIssue {
  key: string;
  id: string;
  url: string | null;
  summary: string | null;
  status: IssueStatusView | null;
  updated: string | null;
  /** Already linked to the record the user is on. */
  linked: boolean;
}

export type SimilarIssues =
  | { state: 'checked'; words: string[]; issues: SimilarIssue[] }
  /** The template turned the guard off, or the summary has no word worth searching for. */
  | { state: 'skipped'; reason: 'template' | 'no-words'; issues: [] }
  | { state: 'failed'; code: string; message: string; issues: [] };

function viewOf(issue: JiraIssueSummary, siteUrl: string, linked: ReadonlySet<string>) {
  return {
    key: issue.key,
    id: issue.id,
    url: browseUrl(siteUrl, issue.key),
    summary: issue.fields.summary ?? null,
    status: statusOf(issue.fields.status),
    updated: isoDate(issue.fields.updated),
    linked: linked.has(normaliseIssueKey(issue.key)),
  };
}

/** At most one Jira call; none when the template turns the guard off or there is nothing to match. */
export async function findSimilarIssues(
  client: JiraClient,
  template: Pick<Template, 'projectKey' | 'duplicateCheck'>,
  summary: string,
  linkedKeys: readonly string[],
  logger: Pick<Logger, 'warn'>,
): Promise<SimilarIssues> {
  if (!template.duplicateCheck) return { state: 'skipped', reason: 'template', issues: [] };
  const words = significantWords(summary);
  if (words.length === 0) return { state: 'skipped', reason: 'no-words', issues: [] };
  const linked = new Set(linkedKeys.map(normaliseIssueKey));
  try {
    const found = await searchSimilarIssues(client, template.projectKey.toUpperCase(), words);
    return {
      state: 'checked',
      words,
      issues: found.map((issue) => viewOf(issue, client.siteUrl, linked)),
    };
  } catch (error) {
    // The guard informs and never blocks: whatever went wrong, the preview goes on without it.
    logger.warn({ err: error }, 'duplicate check failed');
    return error instanceof AppError
      ? { state: 'failed', code: error.code, message: error.message, issues: [] }
      : { state: 'failed', code: 'INTERNAL', message: 'The check could not run.', issues: [] };
  }
}
