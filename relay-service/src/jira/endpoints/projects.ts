import { z } from 'zod';
import type { JiraApi } from '../jira-client';
import { parseJira } from './parse';

/**
 * Projects for the template editor's picker. Cloud pages them (`GET /project/search`);
 * Data Center has no search and answers every visible project at once (`GET /project`), so
 * the relay filters and pages that list itself and both deployments look the same upstream.
 */

const READ_SCOPES = ['read:jira-work'] as const;

export interface JiraProjectRef {
  id: string;
  key: string;
  name: string;
}

export interface ProjectPage {
  projects: JiraProjectRef[];
  startAt: number;
  maxResults: number;
  total: number;
  isLast: boolean;
}

export interface ProjectQuery {
  /** Part of a key or name, case-insensitive. */
  query?: string;
  startAt: number;
  maxResults: number;
}

const projectSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  key: z.string(),
  name: z.string(),
  archived: z.boolean().optional(),
});

const cloudPageSchema = z.looseObject({
  values: z.array(projectSchema),
  startAt: z.number().optional(),
  maxResults: z.number().optional(),
  total: z.number().optional(),
  isLast: z.boolean().optional(),
});

const serverListSchema = z.array(projectSchema);

const refOf = (p: z.output<typeof projectSchema>): JiraProjectRef => ({
  id: p.id,
  key: p.key,
  name: p.name,
});

export async function searchProjects(api: JiraApi, query: ProjectQuery): Promise<ProjectPage> {
  if (api.deployment === 'cloud') {
    const response = await api.send({
      method: 'GET',
      path: `${api.apiPath}/project/search`,
      query: {
        startAt: query.startAt,
        maxResults: query.maxResults,
        orderBy: 'key',
        ...(query.query ? { query: query.query } : {}),
      },
      scopes: READ_SCOPES,
    });
    const page = parseJira(cloudPageSchema, response, 'the project search');
    const startAt = page.startAt ?? query.startAt;
    const total = page.total ?? startAt + page.values.length;
    return {
      projects: page.values.map(refOf),
      startAt,
      maxResults: page.maxResults ?? query.maxResults,
      total,
      isLast: page.isLast ?? startAt + page.values.length >= total,
    };
  }
  const response = await api.send({ method: 'GET', path: `${api.apiPath}/project` });
  const wanted = query.query?.trim().toLowerCase();
  const matching = parseJira(serverListSchema, response, 'the project list')
    .filter((p) => p.archived !== true)
    .filter(
      (p) =>
        !wanted || p.key.toLowerCase().includes(wanted) || p.name.toLowerCase().includes(wanted),
    )
    .sort((a, b) => a.key.localeCompare(b.key));
  const slice = matching.slice(query.startAt, query.startAt + query.maxResults);
  return {
    projects: slice.map(refOf),
    startAt: query.startAt,
    maxResults: query.maxResults,
    total: matching.length,
    isLast: query.startAt + slice.length >= matching.length,
  };
}
