import type { Router } from 'express';
import { jsonBody } from '../json-body';
import { relayRouter } from '../router';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import { orgIdSchema, packageNamespaceSchema } from '../../lib/salesforce-ids';
import { registrationSource } from '../../tenants/registration-limiter';
import type { TenantService } from '../../tenants/tenant-service';
import { parseInput } from '../validation';

const registerBody = z.strictObject({
  orgId: orgIdSchema,
  name: z.string().trim().min(1).max(255),
  /** The package's namespace prefix in the org; "" (or absent) when it has none. */
  namespace: packageNamespaceSchema.optional(),
});

/**
 * Self-registration from the Salesforce setup screen (unsigned: the tenant has no secret yet).
 * Failed attempts are limited per source address. That is the socket's peer: the relay does
 * not trust X-Forwarded-For, so behind a reverse proxy every caller counts as the proxy.
 */
export function tenantRoutes(deps: { tenants: TenantService; bodyLimitBytes: number }): Router {
  const router = relayRouter();
  router.post(
    '/v1/tenants/register',
    // Read like signed bodies: the bytes as sent, UTF-8, depth and width bounded.
    jsonBody(deps.bodyLimitBytes),
    async (req, res) => {
      const code = req.get('x-relay-registration');
      if (!code)
        throw new AppError(
          'REGISTRATION_INVALID',
          'Header X-Relay-Registration with the one-time code from the relay operator is required.',
        );
      const body = parseInput(registerBody, req.body, 'body');
      const secret = await deps.tenants.register(
        code,
        body,
        registrationSource(req.socket.remoteAddress),
      );
      res.status(201).json({ orgId: body.orgId, secret });
    },
  );
  return router;
}
