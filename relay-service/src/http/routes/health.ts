import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, Router } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { AppError } from '../../lib/errors';
import { relayRouter } from '../router';

export interface MetricsAccess {
  registry: Registry;
  /**
   * The bearer token a scraper must present. Without one, /metrics answers 404: metrics tell
   * anyone who can reach the relay which tenants and routes are busy, so they are never open.
   */
  token: string | undefined;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Whether the request carries `Authorization: Bearer <token>`, compared in constant time. */
export function presentsToken(req: Request, token: string): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(req.get('authorization') ?? '');
  // Hashing first gives equal lengths, so the comparison leaks neither content nor length.
  return match !== null && timingSafeEqual(digest(match[1] ?? ''), digest(token));
}

export function healthRoutes(deps: {
  ping(): Promise<void>;
  metrics?: MetricsAccess;
  logger: Logger;
}): Router {
  const router = relayRouter();
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
    const { registry, token } = deps.metrics;
    router.get('/metrics', async (req, res) => {
      if (token === undefined) {
        throw new AppError(
          'NOT_FOUND',
          'Metrics are served only with a bearer token: set RELAY_METRICS_TOKEN on the relay.',
        );
      }
      if (!presentsToken(req, token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="relay-metrics"');
        throw new AppError(
          'METRICS_TOKEN_INVALID',
          'Send the metrics token configured on the relay as "Authorization: Bearer <token>".',
        );
      }
      res.type(registry.contentType).send(await registry.metrics());
    });
  }
  return router;
}
