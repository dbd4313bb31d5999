import type { Router } from 'express';
import { relayRouter } from '../router';
import { previewIssue, previewRequestBody, type PreviewDeps } from '../../operations/preview';
import { callerOf } from '../caller';
import { parseInput } from '../validation';

/** POST /v1/templates/preview: the payload create would send, and every problem; a read. */
export function templatePreviewRoutes(deps: PreviewDeps): Router {
  const router = relayRouter();
  router.post('/v1/templates/preview', async (req, res) => {
    const body = parseInput(previewRequestBody, req.body, 'body');
    res.json(await previewIssue(deps, callerOf(req).orgId, body));
  });
  return router;
}
