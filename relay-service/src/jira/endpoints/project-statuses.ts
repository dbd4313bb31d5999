import { z } from 'zod';
import type { JiraApi } from '../jira-client';
import { parseJira } from './parse';

/**
 * The statuses of a project's workflows, per issue type: `GET {api}/project/{key}/statuses`,
 * the same on Cloud (v3) and Data Center (v2). Both answer a list of issue types, each with
 * the statuses its workflow holds. (Data Center's published OpenAPI document describes the
 * answer as one object; the server sends a list, as its own documentation's example shows.)
 */

const statusSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  name: z.string(),
});

const issueTypeStatusesSchema = z.array(
  z.looseObject({
    id: z.union([z.string(), z.number()]).transform(String),
    name: z.string(),
    statuses: z.array(statusSchema).default([]),
  }),
);

export interface IssueTypeStatuses {
  issueTypeId: string;
  issueTypeName: string;
  /** Status names, as the workflow spells them. */
  statuses: string[];
}

export async function projectStatuses(
  api: JiraApi,
  projectKey: string,
): Promise<IssueTypeStatuses[]> {
  const response = await api.send({
    method: 'GET',
    path: `${api.apiPath}/project/${encodeURIComponent(projectKey)}/statuses`,
    scopes: api.deployment === 'cloud' ? ['read:jira-work'] : undefined,
  });
  return parseJira(issueTypeStatusesSchema, response, "the project's statuses").map((type) => ({
    issueTypeId: type.id,
    issueTypeName: type.name,
    statuses: type.statuses.map((status) => status.name),
  }));
}
