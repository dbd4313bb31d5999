import { type Router, type Request } from 'express';
import { relayRouter } from '../router';
import { z } from 'zod';
import { connectionNameSchema } from '../../connections/connection-input';
import { searchIssuesForLinking } from '../../operations/search';
import type { IssueOperationDeps } from '../../operations/view';
import { operationCallerOf } from '../caller';
import { parseInput } from '../validation';

const searchQuery = z.object({
  query: z.string().trim().min(1, 'type something to search for').max(255),
});

/** GET /v1/jira/{connection}/issues/search?query= — the issue picker for linking. */
export function issueSearchRoutes(deps: IssueOperationDeps): Router {
  const router = relayRouter();
  router.get('/v1/jira/:connection/issues/search', async (req: Request, res) => {
    const connection = parseInput(connectionNameSchema, req.params.connection, 'path');
    const { query } = parseInput(searchQuery, req.query, 'query');
    res.json(await searchIssuesForLinking(deps, operationCallerOf(req), { connection, query }));
  });
  return router;
}
