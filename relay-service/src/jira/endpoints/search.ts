import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { JiraApi } from '../jira-client';
import { PROJECT_KEY, issueSummarySchema, type JiraIssueSummary } from './issues';
import { parseJira } from './parse';

const cloudPage = z.looseObject({
  issues: z.array(issueSummarySchema).default([]),
  nextPageToken: z.string().nullish(),
});

const serverPage = z.looseObject({
  issues: z.array(issueSummarySchema).default([]),
  total: z.number().optional(),
});

/** Keys Jira names in a JQL error about issues that do not exist (or are not visible). */
function keysNamedIn(error: AppError): string[] {
  const keys = [...error.detail.matchAll(/(?:issue|key)[^']{0,30}'([A-Za-z][A-Za-z0-9_]*-\d+)'/gi)];
  return keys.map((m) => (m[1] ?? '').toUpperCase());
}

/**
 * Issues by key, with the given fields, in one search. Keys must already be validated against
 * the issue key pattern: they are written into JQL as they are.
 *
 * Server/DC: POST /rest/api/2/search with validateQuery=false, so a key that does not exist is
 * simply absent. Cloud: GET /rest/api/3/search/jql (the old /search is gone there). Should a
 * Jira still refuse the query because it names a key that does not exist, the keys it names are
 * dropped and the search is repeated once: a missing issue must not hide the others.
 */
export async function searchIssuesByKey(
  api: JiraApi,
  keys: readonly string[],
  fields: readonly string[],
): Promise<JiraIssueSummary[]> {
  if (keys.length === 0) return [];
  try {
    return await searchOnce(api, keys, fields);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'JIRA_VALIDATION') throw error;
    const named = new Set(keysNamedIn(error));
    const remaining = keys.filter((key) => !named.has(key.toUpperCase()));
    if (named.size === 0 || remaining.length === keys.length) throw error;
    return remaining.length ? searchOnce(api, remaining, fields) : [];
  }
}

async function searchOnce(
  api: JiraApi,
  keys: readonly string[],
  fields: readonly string[],
): Promise<JiraIssueSummary[]> {
  const jql = `key in (${keys.join(',')})`;
  if (api.deployment === 'server') {
    const response = await api.send({
      method: 'POST',
      path: `${api.apiPath}/search`,
      body: { jql, fields, maxResults: keys.length, startAt: 0, validateQuery: false },
      idempotent: true,
      readOnly: true,
      points: 1 + keys.length,
    });
    return parseJira(serverPage, response, 'the search').issues;
  }
  const issues: JiraIssueSummary[] = [];
  let nextPageToken: string | undefined;
  // Jira may page even a bounded result when it is large; follow the pages it announces.
  for (let page = 0; page < 10; page += 1) {
    const response = await api.send({
      method: 'GET',
      path: `${api.apiPath}/search/jql`,
      query: { jql, fields, maxResults: keys.length, nextPageToken },
      scopes: ['read:jira-work'],
      points: 1 + keys.length,
    });
    const body = parseJira(cloudPage, response, 'the search');
    issues.push(...body.issues);
    if (!body.nextPageToken) break;
    nextPageToken = body.nextPageToken;
  }
  return issues;
}

const pickerSchema = z.looseObject({
  sections: z
    .array(
      z.looseObject({
        issues: z
          .array(
            z.looseObject({
              id: z.union([z.number(), z.string()]).optional(),
              key: z.string(),
              summaryText: z.string().optional(),
              summary: z.string().optional(),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});

export interface PickedIssue {
  id: string | null;
  key: string;
  /** Plain text (the picker's `summary` holds HTML highlighting and is not used). */
  summary: string;
}

/**
 * `project in ("SUP", "OPS")`. Every key must match PROJECT_KEY (checked here again, as this
 * is the one place JQL is written from input); the quotes keep a key that happens to be a JQL
 * word (`AND`, `EMPTY`) a plain value.
 */
export function projectsJql(projectKeys: readonly string[]): string {
  if (projectKeys.length === 0) throw new Error('projectsJql needs at least one project key');
  for (const key of projectKeys) {
    if (!PROJECT_KEY.test(key)) throw new Error(`not a Jira project key: ${JSON.stringify(key)}`);
  }
  return `project in (${projectKeys.map((key) => `"${key}"`).join(', ')})`;
}

/**
 * Jira's issue picker (history and current search sections merged, each issue once), limited
 * to the issues `currentJql` selects.
 */
export async function pickIssues(
  api: JiraApi,
  query: string,
  currentJql: string,
): Promise<PickedIssue[]> {
  const response = await api.send({
    method: 'GET',
    path: `${api.apiPath}/issue/picker`,
    query: { query, currentJQL: currentJql, showSubTasks: true },
    scopes: ['read:jira-work'],
  });
  const seen = new Set<string>();
  const picked: PickedIssue[] = [];
  for (const section of parseJira(pickerSchema, response, 'the issue picker').sections) {
    for (const issue of section.issues) {
      if (seen.has(issue.key)) continue;
      seen.add(issue.key);
      picked.push({
        id: issue.id === undefined ? null : String(issue.id),
        key: issue.key,
        summary: issue.summaryText ?? '',
      });
    }
  }
  return picked;
}
