import type { Router } from 'express';
import { relayRouter } from '../router';
import { z } from 'zod';
import { connectionNameSchema } from '../../connections/connection-input';
import {
  DEFAULT_PICKER_PAGE,
  pickFields,
  pickIssueTypes,
  pickProjects,
  type PickerDeps,
} from '../../operations/pickers';
import { callerOf } from '../caller';
import { parseInput } from '../validation';

const pageQuery = z.object({
  startAt: z.coerce.number().int().min(0).max(100_000).default(0),
  maxResults: z.coerce.number().int().min(1).max(100).default(DEFAULT_PICKER_PAGE),
});

const projectsQuery = pageQuery.extend({ query: z.string().trim().max(255).optional() });

const pathParams = z.object({
  connection: connectionNameSchema,
  key: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,254}$/, 'expected a Jira project key such as SUP')
    .optional(),
  id: z
    .string()
    .regex(/^\d{1,19}$/, 'expected a Jira issue type id such as 10004')
    .optional(),
});

/** The template editor's pickers under /v1/jira/{connection}; reads, so not audited. */
export function jiraPickerRoutes(deps: PickerDeps): Router {
  const router = relayRouter();

  router.get('/v1/jira/:connection/projects', async (req, res) => {
    const { connection } = parseInput(pathParams, req.params, 'path');
    const query = parseInput(projectsQuery, req.query, 'query');
    res.json(await pickProjects(deps, callerOf(req).orgId, connection, query));
  });

  router.get('/v1/jira/:connection/projects/:key/issuetypes', async (req, res) => {
    const { connection, key } = parseInput(pathParams, req.params, 'path');
    const page = parseInput(pageQuery, req.query, 'query');
    res.json(await pickIssueTypes(deps, callerOf(req).orgId, connection, key ?? '', page));
  });

  router.get('/v1/jira/:connection/projects/:key/issuetypes/:id/fields', async (req, res) => {
    const { connection, key, id } = parseInput(pathParams, req.params, 'path');
    const page = parseInput(pageQuery, req.query, 'query');
    res.json(await pickFields(deps, callerOf(req).orgId, connection, key ?? '', id ?? '', page));
  });
  return router;
}
