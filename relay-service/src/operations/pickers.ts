import {
  createMetaFieldsPage,
  createMetaIssueTypesPage,
  CREATE_META_PAGE_SIZE,
} from '../jira/endpoints/createmeta';
import { searchProjects, type JiraProjectRef } from '../jira/endpoints/projects';
import type { JiraClient } from '../jira/jira-client';
import type { JiraFieldMeta, JiraIssueTypeRef } from '../jira/endpoints/createmeta-answers';

/**
 * The template editor's pickers: projects, a project's issue types, and the create fields of
 * one issue type (schema, required flag, allowed values). Each page is one Jira call, read
 * fresh — an admin editing a template wants the screen as it is now, not as it was cached.
 */

export interface PickerDeps {
  jira: { clientFor(orgId: string, connectionName: string): Promise<JiraClient> };
}

export interface PageQuery {
  startAt: number;
  maxResults: number;
}

export interface PickerPage {
  startAt: number;
  maxResults: number;
  /** Absent when Jira did not say. */
  total?: number;
  isLast: boolean;
}

export const DEFAULT_PICKER_PAGE = CREATE_META_PAGE_SIZE;

export async function pickProjects(
  deps: PickerDeps,
  orgId: string,
  connection: string,
  query: PageQuery & { query?: string },
): Promise<PickerPage & { projects: JiraProjectRef[] }> {
  const client = await deps.jira.clientFor(orgId, connection);
  return searchProjects(client, query);
}

export async function pickIssueTypes(
  deps: PickerDeps,
  orgId: string,
  connection: string,
  projectKey: string,
  page: PageQuery,
): Promise<PickerPage & { issueTypes: JiraIssueTypeRef[] }> {
  const client = await deps.jira.clientFor(orgId, connection);
  const answer = await createMetaIssueTypesPage(client, projectKey, page);
  return {
    issueTypes: answer.items,
    startAt: answer.startAt,
    maxResults: page.maxResults,
    ...(answer.total !== undefined ? { total: answer.total } : {}),
    isLast: answer.isLast,
  };
}

export async function pickFields(
  deps: PickerDeps,
  orgId: string,
  connection: string,
  projectKey: string,
  issueTypeId: string,
  page: PageQuery,
): Promise<PickerPage & { fields: JiraFieldMeta[] }> {
  const client = await deps.jira.clientFor(orgId, connection);
  const answer = await createMetaFieldsPage(client, projectKey, issueTypeId, page);
  return {
    fields: answer.items,
    startAt: answer.startAt,
    maxResults: page.maxResults,
    ...(answer.total !== undefined ? { total: answer.total } : {}),
    isLast: answer.isLast,
  };
}
