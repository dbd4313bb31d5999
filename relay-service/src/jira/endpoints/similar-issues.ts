import { z } from 'zod';
import type { JiraApi } from '../jira-client';
import { PROJECT_KEY, issueSummarySchema, type JiraIssueSummary } from './issues';
import { parseJira } from './parse';

/**
 * The duplicate guard's one Jira search: open issues of a project whose summary holds the
 * significant words of the summary about to be created, most recently updated first.
 *
 * The JQL is written here and nowhere else, from words that hold only letters and digits:
 * everything else in the summary (quotes, backslashes, Lucene's `* ? ~ + - ! ( ) [ ] { } ^ : /`,
 * JQL keywords) is a separator, so Salesforce text can neither end the JQL string nor turn the
 * text search into a wildcard or boolean query that would widen it.
 */

export const MAX_SIMILAR_ISSUES = 5;
/** Enough words to be specific, few enough that an issue worded a little differently matches. */
export const MAX_SIGNIFICANT_WORDS = 6;

/**
 * Words a text search ignores or treats as operators: Lucene's English stop words (which Jira
 * drops from text searches) and the boolean operators AND, OR and NOT in any case.
 */
const STOP_WORDS = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it',
  'no', 'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these',
  'they', 'this', 'to', 'was', 'will', 'with',
]); // prettier-ignore

const WORD = /^[\p{L}\p{N}]+$/u;

/**
 * The words of a summary worth searching for, in their order, each once (case-insensitively):
 * runs of letters and digits, without stop words, of at least three characters or holding a
 * digit (error codes such as `E42` are specific).
 */
export function significantWords(text: string): string[] {
  const seen = new Set<string>();
  const words: string[] = [];
  for (const word of text.normalize('NFKC').split(/[^\p{L}\p{N}]+/u)) {
    const folded = word.toLowerCase();
    if (!folded || seen.has(folded) || STOP_WORDS.has(folded)) continue;
    if (folded.length < 3 && !/\p{N}/u.test(folded)) continue;
    seen.add(folded);
    words.push(folded);
    if (words.length === MAX_SIGNIFICANT_WORDS) break;
  }
  return words;
}

/**
 * `project = "SUP" AND statusCategory != Done AND summary ~ "checkout fails" ORDER BY updated DESC`.
 * Throws on a project key or word that could not have come from PROJECT_KEY / significantWords,
 * as this is where input becomes JQL.
 */
export function similarIssuesJql(projectKey: string, words: readonly string[]): string {
  if (!PROJECT_KEY.test(projectKey))
    throw new Error(`not a Jira project key: ${JSON.stringify(projectKey)}`);
  if (words.length === 0) throw new Error('similarIssuesJql needs at least one word');
  for (const word of words) {
    if (!WORD.test(word) || STOP_WORDS.has(word.toLowerCase()))
      throw new Error(`not a searchable word: ${JSON.stringify(word)}`);
  }
  return (
    `project = "${projectKey}" AND statusCategory != Done AND summary ~ "${words.join(' ')}"` +
    ' ORDER BY updated DESC'
  );
}

export const SIMILAR_ISSUE_FIELDS = ['summary', 'status', 'updated'];

// Cloud's search/jql and DC's search both list the page's issues under `issues`.
const searchPage = z.looseObject({ issues: z.array(issueSummarySchema).default([]) });

/** One search call, first page only: at most MAX_SIMILAR_ISSUES issues. */
export async function searchSimilarIssues(
  api: JiraApi,
  projectKey: string,
  words: readonly string[],
): Promise<JiraIssueSummary[]> {
  const jql = similarIssuesJql(projectKey, words);
  if (api.deployment === 'server') {
    const response = await api.send({
      method: 'POST',
      path: `${api.apiPath}/search`,
      body: { jql, fields: SIMILAR_ISSUE_FIELDS, maxResults: MAX_SIMILAR_ISSUES, startAt: 0 },
      idempotent: true,
      readOnly: true,
      points: 1 + MAX_SIMILAR_ISSUES,
    });
    return parseJira(searchPage, response, 'the search').issues.slice(0, MAX_SIMILAR_ISSUES);
  }
  const response = await api.send({
    method: 'GET',
    path: `${api.apiPath}/search/jql`,
    query: { jql, fields: SIMILAR_ISSUE_FIELDS, maxResults: MAX_SIMILAR_ISSUES },
    scopes: ['read:jira-work'],
    points: 1 + MAX_SIMILAR_ISSUES,
  });
  return parseJira(searchPage, response, 'the search').issues.slice(0, MAX_SIMILAR_ISSUES);
}
