import type { Router } from 'express';
import { relayRouter } from '../router';
import type { ConnectionService } from '../../connections/connection-service';
import {
  connectionNameSchema,
  connectionSettingsBody,
  putConnectionBody,
} from '../../connections/connection-input';
import type { OAuthConnectFlow } from '../../connections/oauth-flow';
import { oauthStartBody } from '../../connections/return-url';
import { userTokenBody, type UserGrantService } from '../../connections/user-grants';
import { salesforceUserIdSchema } from '../../lib/salesforce-ids';
import { callerOf, operationCallerOf } from '../caller';
import { parseInput } from '../validation';

/** Routes under /v1/connections; mounted behind the signature check. */
export function connectionRoutes(deps: {
  connections: ConnectionService;
  oauth: OAuthConnectFlow;
  userGrants: UserGrantService;
}): Router {
  const router = relayRouter();
  const nameOf = (req: Parameters<typeof callerOf>[0]) =>
    parseInput(connectionNameSchema, req.params.name, 'path');

  router.get('/v1/connections', async (req, res) => {
    res.json({
      connections: await deps.connections.list(callerOf(req).orgId),
      // What a Jira admin enters as the Redirect URL of an incoming application link.
      oauthRedirectUrl: deps.oauth.redirectUrl,
    });
  });

  router.put('/v1/connections/:name', async (req, res) => {
    const name = nameOf(req);
    const body = parseInput(putConnectionBody, req.body, 'body');
    res.json(await deps.connections.put(operationCallerOf(req), name, body));
  });

  router.patch('/v1/connections/:name', async (req, res) => {
    const name = nameOf(req);
    const body = parseInput(connectionSettingsBody, req.body, 'body');
    res.json(await deps.connections.updateSettings(operationCallerOf(req), name, body));
  });

  router.post('/v1/connections/:name/test', async (req, res) => {
    res.json(await deps.connections.test(operationCallerOf(req), nameOf(req)));
  });

  router.delete('/v1/connections/:name', async (req, res) => {
    await deps.connections.delete(operationCallerOf(req), nameOf(req));
    res.status(204).end();
  });

  router.post('/v1/connections/:name/oauth/start', async (req, res) => {
    const name = nameOf(req);
    const body = parseInput(oauthStartBody, req.body, 'body');
    res.json(await deps.oauth.start(operationCallerOf(req), name, body.returnUrl));
  });

  // The acting user's own Jira account on a connection (issue #16): X-Relay-User is the user.
  router.get('/v1/connections/:name/me', async (req, res) => {
    res.json(await deps.userGrants.status(operationCallerOf(req), nameOf(req)));
  });

  router.delete('/v1/connections/:name/me', async (req, res) => {
    await deps.userGrants.disconnect(operationCallerOf(req), nameOf(req));
    res.status(204).end();
  });

  router.post('/v1/connections/:name/me/oauth/start', async (req, res) => {
    const name = nameOf(req);
    const body = parseInput(oauthStartBody, req.body, 'body');
    res.json(await deps.oauth.startForUser(operationCallerOf(req), name, body.returnUrl));
  });

  router.put('/v1/connections/:name/me/token', async (req, res) => {
    const name = nameOf(req);
    const body = parseInput(userTokenBody, req.body, 'body');
    res.json(await deps.userGrants.saveToken(operationCallerOf(req), name, body));
  });

  // Admin: how many users connected per connection, and offboarding one user.
  router.get('/v1/user-grants', async (req, res) => {
    res.json({ connections: await deps.userGrants.counts(callerOf(req).orgId) });
  });

  router.delete('/v1/user-grants/:userId', async (req, res) => {
    const userId = parseInput(salesforceUserIdSchema, req.params.userId, 'path');
    const revoked = await deps.userGrants.revokeUser(operationCallerOf(req), userId);
    res.json({ userId, revokedConnections: revoked });
  });
  return router;
}
