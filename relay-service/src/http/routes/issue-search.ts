import { type Router, type Request } from 'express';
import { relayRouter } from '../router';
import { z } from 'zod';
import { connectionNameSchema } from '../../connections/connection-input';
import { PROJECT_KEY } from '../../jira/endpoints/issues';
import { MAX_SEARCH_PROJECTS, searchIssuesForLinking } from '../../operations/search';
import type { IssueOperationDeps } from '../../operations/issue-operation-deps';
import { operationCallerOf } from '../caller';
import { parseInput } from '../validation';

/** `SUP,OPS`: the projects to search, upper case, each once. */
const projectList = z
  .string({ error: 'name the Jira projects to search, e.g. projects=SUP,OPS' })
  .transform((value) =>
    value
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean),
  )
  .pipe(
    z
      .array(z.string().regex(PROJECT_KEY, 'expected Jira project keys (letters, digits, _)'))
      .min(1, 'name the Jira projects to search, e.g. projects=SUP,OPS')
      .max(MAX_SEARCH_PROJECTS, `at most ${MAX_SEARCH_PROJECTS} projects`),
  )
  .transform((keys) => [...new Set(keys.map((key) => key.toUpperCase()))]);

const searchQuery = z.object({
  query: z.string().trim().min(1, 'type something to search for').max(255),
  projects: projectList,
});

/**
 * GET /v1/jira/{connection}/issues/search?query=&projects=SUP,OPS — the issue picker for
 * linking, limited to the projects of the record's templates. The caller never sends JQL.
 */
export function issueSearchRoutes(deps: IssueOperationDeps): Router {
  const router = relayRouter();
  router.get('/v1/jira/:connection/issues/search', async (req: Request, res) => {
    const connection = parseInput(connectionNameSchema, req.params.connection, 'path');
    const { query, projects } = parseInput(searchQuery, req.query, 'query');
    res.json(
      await searchIssuesForLinking(deps, operationCallerOf(req), { connection, query, projects }),
    );
  });
  return router;
}
