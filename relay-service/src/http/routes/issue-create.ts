import { type Router, type Request, type Response } from 'express';
import { relayRouter } from '../router';
import { z } from 'zod';
import { bulkRequestBody, BulkIssueCreator } from '../../operations/bulk-create';
import { IssueCreator, type CreateDeps, type OperationAnswer } from '../../operations/create';
import { IDEMPOTENCY_KEY_PATTERN } from '../../operations/idempotency';
import { issueRequestBody } from '../../operations/preview';
import { operationCallerOf } from '../caller';
import { parseInput } from '../validation';

const idempotencyKeySchema = z
  .string({ error: 'the Idempotency-Key header is required for creating issues' })
  .regex(
    IDEMPOTENCY_KEY_PATTERN,
    'expected 8–255 characters of letters, digits, "_", ".", ":" or "-"',
  );

function idempotencyKeyOf(req: Request): string {
  return parseInput(
    z.object({ 'Idempotency-Key': idempotencyKeySchema }),
    { 'Idempotency-Key': req.get('idempotency-key') },
    'header',
  )['Idempotency-Key'];
}

function send(res: Response, answer: OperationAnswer<unknown>): void {
  if (answer.replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(answer.status).json(answer.body);
}

/** POST /v1/issues and POST /v1/issues/bulk; mounted behind the signature check. */
export function issueCreateRoutes(deps: CreateDeps): Router {
  const router = relayRouter();
  const single = new IssueCreator(deps);
  const bulk = new BulkIssueCreator(deps);

  router.post('/v1/issues', async (req, res) => {
    const key = idempotencyKeyOf(req);
    const body = parseInput(issueRequestBody, req.body, 'body');
    send(res, await single.create(operationCallerOf(req), key, body));
  });

  router.post('/v1/issues/bulk', async (req, res) => {
    const key = idempotencyKeyOf(req);
    const body = parseInput(bulkRequestBody, req.body, 'body');
    send(res, await bulk.create(operationCallerOf(req), key, body));
  });
  return router;
}
