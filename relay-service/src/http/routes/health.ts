import { Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { AppError } from '../../lib/errors';

export function healthRoutes(deps: {
  ping(): Promise<void>;
  metrics?: Registry;
  logger: Logger;
}): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    try {
      await deps.ping();
    } catch (error) {
      deps.logger.warn({ err: error, requestId: req.requestId }, 'store not reachable');
      throw new AppError('SERVICE_UNAVAILABLE', 'The store is not reachable.', { cause: error });
    }
    res.json({ status: 'ready' });
  });
  if (deps.metrics) {
    const registry = deps.metrics;
    router.get('/metrics', async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
  }
  return router;
}
