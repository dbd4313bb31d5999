import {
  parseCreateMetaFieldsPage,
  parseCreateMetaIssueTypesPage,
  type CreateMetaPage,
  type JiraFieldMeta,
  type JiraIssueTypeRef,
} from './createmeta-answers';
import type { JiraApi } from '../jira-client';

/**
 * Create metadata: `GET {api}/issue/createmeta/{project}/issuetypes[/{id}]`, the same paged
 * endpoints on Cloud and on Data Center (the old `createmeta?expand=` form is gone on Cloud).
 * Parsing and normalisation of both deployments' answers live in createmeta-answers.ts.
 */

const READ_SCOPES = ['read:jira-work'] as const;

/** Jira caps these pages at 50 (Cloud allows asking for up to 200). */
export const CREATE_META_PAGE_SIZE = 50;

/** A project with more pages than this is answered in a way the relay does not follow. */
const MAX_PAGES = 40;

export interface PageRequest {
  startAt?: number;
  maxResults?: number;
}

const pathOf = (api: JiraApi, projectKey: string, issueTypeId?: string) =>
  `${api.apiPath}/issue/createmeta/${encodeURIComponent(projectKey)}/issuetypes` +
  (issueTypeId === undefined ? '' : `/${encodeURIComponent(issueTypeId)}`);

/** The raw body of one createmeta page. */
async function getPage(api: JiraApi, path: string, page: PageRequest): Promise<unknown> {
  const response = await api.send({
    method: 'GET',
    path,
    query: { startAt: page.startAt ?? 0, maxResults: page.maxResults ?? CREATE_META_PAGE_SIZE },
    scopes: api.deployment === 'cloud' ? READ_SCOPES : undefined,
  });
  return response.body;
}

/** One page of the issue types a project lets the connection create. */
export async function createMetaIssueTypesPage(
  api: JiraApi,
  projectKey: string,
  page: PageRequest = {},
): Promise<CreateMetaPage<JiraIssueTypeRef>> {
  return parseCreateMetaIssueTypesPage(await getPage(api, pathOf(api, projectKey), page));
}

/** One page of the fields of one issue type's create screen. */
export async function createMetaFieldsPage(
  api: JiraApi,
  projectKey: string,
  issueTypeId: string,
  page: PageRequest = {},
): Promise<CreateMetaPage<JiraFieldMeta>> {
  return parseCreateMetaFieldsPage(await getPage(api, pathOf(api, projectKey, issueTypeId), page));
}

/**
 * Follows the pages until Jira says it was the last one. The next page starts after what
 * this one really held: Jira may return fewer items than asked for (its own cap).
 */
async function allPages<T>(
  fetchPage: (startAt: number) => Promise<CreateMetaPage<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let startAt = 0;
  for (let pages = 0; pages < MAX_PAGES; pages += 1) {
    const page = await fetchPage(startAt);
    items.push(...page.items);
    if (page.isLast || page.items.length === 0) return items;
    startAt = page.startAt + page.items.length;
  }
  return items;
}

/** Every issue type of the project, all pages joined. */
export function createMetaIssueTypes(
  api: JiraApi,
  projectKey: string,
): Promise<JiraIssueTypeRef[]> {
  return allPages((startAt) => createMetaIssueTypesPage(api, projectKey, { startAt }));
}

/** Every field of the issue type's create screen, all pages joined. */
export function createMetaFields(
  api: JiraApi,
  projectKey: string,
  issueTypeId: string,
): Promise<JiraFieldMeta[]> {
  return allPages((startAt) => createMetaFieldsPage(api, projectKey, issueTypeId, { startAt }));
}
