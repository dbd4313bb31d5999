import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import './http/request-context';
import { createHttpMetrics } from './http/metrics';
import { canonicalPath } from './http/middleware/canonical-path';
import { notFound, problemHandler } from './http/middleware/problem-handler';
import { requestBodyGuard } from './http/middleware/request-body';
import { requestId } from './http/middleware/request-id';
import { routesOf } from './http/router';
import { signedRequest } from './http/middleware/signed-request';
import { censorHeaders } from './lib/logger';
import { connectionRoutes } from './http/routes/connections';
import { healthRoutes } from './http/routes/health';
import { issueCreateRoutes } from './http/routes/issue-create';
import { issueSearchRoutes } from './http/routes/issue-search';
import { issueRoutes } from './http/routes/issues';
import { jiraPickerRoutes } from './http/routes/jira-pickers';
import { templatePreviewRoutes } from './http/routes/template-preview';
import { HEALTH_CHECKS_PER_MINUTE, tenantHealthRoutes } from './http/routes/tenant-health';
import { RateLimiter } from './tenants/rate-limiter';
import { oauthCallbackRoutes } from './http/routes/oauth-callback';
import { tenantRoutes } from './http/routes/tenants';
import type { Services } from './services';

export interface AppOptions {
  /** Unsigned routes added before the signed ones (benchmarks compare against them). */
  extraRoutes?: Router;
}

// OAuth codes and states travel in query strings; they must not reach the log.
const SENSITIVE_QUERY = /([?&](?:code|state|token|access_token|refresh_token)=)[^&]*/gi;

export function createApp(services: Services, options: AppOptions = {}): Express {
  const { config, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // One spelling per route (the route files use relayRouter for theirs): `/V1` is not `/v1`.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);

  const metrics = config.metricsEnabled
    ? createHttpMetrics([services.auditDrainer, services.audit, services.jira, services.appQuota])
    : undefined;

  app.use(requestId());
  app.use(
    pinoHttp({
      logger: logger.child({ component: 'http' }),
      genReqId: (req) => (req as express.Request).requestId,
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      serializers: {
        req: (req: {
          id: string;
          method: string;
          url: string;
          headers: Record<string, unknown>;
          remoteAddress?: string;
        }) => ({
          id: req.id,
          method: req.method,
          url: req.url.replace(SENSITIVE_QUERY, '$1[redacted]'),
          headers: censorHeaders(req.headers),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(helmet());
  if (metrics) app.use(metrics.middleware);
  app.use(canonicalPath());
  app.use(requestBodyGuard({ timeoutMs: config.bodyTimeoutMs }));

  // Each route file's router behind routesOf (http/router.ts): entered only by paths it serves.
  const mount = (...routers: Router[]) => app.use(routers.map(routesOf));

  mount(
    healthRoutes({
      ping: () => services.store.ping(),
      metrics: metrics ? { registry: metrics.registry, token: config.metricsToken } : undefined,
      logger,
    }),
    tenantRoutes({ tenants: services.tenants, bodyLimitBytes: config.bodyLimitBytes }),
    oauthCallbackRoutes({ oauth: services.oauthFlow }),
  );
  if (options.extraRoutes) app.use(options.extraRoutes);

  app.use(
    '/v1',
    signedRequest({
      credentials: (orgId) => services.tenants.credentials(orgId),
      replayGuard: services.replayGuard,
      rateLimiter: services.rateLimiter,
      clock: services.clock,
      bodyLimitBytes: config.bodyLimitBytes,
    }),
  );
  mount(
    connectionRoutes({
      connections: services.connections,
      oauth: services.oauthFlow,
      userGrants: services.userGrants,
    }),
    templatePreviewRoutes(services),
    issueCreateRoutes(services),
    jiraPickerRoutes(services),
    issueRoutes({
      ...services,
      commentsWithoutTemplate: (orgId, connection) =>
        services.connections.allowsCommentsWithoutTemplate(orgId, connection),
    }),
    issueSearchRoutes(services),
    tenantHealthRoutes({
      ...services,
      healthLimiter: new RateLimiter(HEALTH_CHECKS_PER_MINUTE, () => services.clock.now()),
    }),
  );

  app.use(notFound());
  app.use(problemHandler(logger, config.bodyLimitBytes));
  return app;
}
