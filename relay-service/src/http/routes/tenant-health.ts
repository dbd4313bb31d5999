import type { Router } from 'express';
import { relayRouter } from '../router';
import {
  checkHealth,
  healthQuery,
  healthRequestBody,
  type HealthDeps,
} from '../../operations/health';
import { AppError } from '../../lib/errors';
import type { TenantRateLimit } from '../../tenants/rate-limiter';
import { callerOf } from '../caller';
import { parseInput } from '../validation';

/** Health checks a tenant may ask for per minute: a panel and a daily job need far fewer. */
export const HEALTH_CHECKS_PER_MINUTE = 60;

/**
 * GET /v1/health (connections) and POST /v1/health (connections and the templates sent): what
 * will fail before a user's click does (operations/health.ts). Reads only; always 200 with the
 * problems found, unless the request itself is wrong.
 */
export function tenantHealthRoutes(deps: HealthDeps & { healthLimiter: TenantRateLimit }): Router {
  const router = relayRouter();
  const admit = async (orgId: string) => {
    const wait = await deps.healthLimiter.take(orgId);
    if (wait > 0) {
      throw new AppError(
        'RATE_LIMITED',
        `At most ${HEALTH_CHECKS_PER_MINUTE} health checks a minute per org; retry in ${wait} s.`,
        { retryAfter: wait },
      );
    }
  };
  router.get('/v1/health', async (req, res) => {
    const { live } = parseInput(healthQuery, req.query, 'query');
    const { orgId } = callerOf(req);
    await admit(orgId);
    res.json(
      await checkHealth(deps, orgId, { templates: [], live: live === '1' || live === 'true' }),
    );
  });
  router.post('/v1/health', async (req, res) => {
    const body = parseInput(healthRequestBody, req.body, 'body');
    const { orgId } = callerOf(req);
    await admit(orgId);
    res.json(await checkHealth(deps, orgId, body));
  });
  return router;
}
