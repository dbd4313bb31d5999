import { Router } from 'express';
import type { ConnectionService } from '../../connections/connection-service';
import { callerOf } from '../caller';

/** Routes under /v1/connections; mounted behind the signature check. */
export function connectionRoutes(deps: { connections: ConnectionService }): Router {
  const router = Router();
  router.get('/v1/connections', async (req, res) => {
    res.json({ connections: await deps.connections.list(callerOf(req).orgId) });
  });
  return router;
}
