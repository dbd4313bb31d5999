import express, { type Response, type Router } from 'express';
import { relayRouter } from '../router';
import type { OAuthConnectFlow } from '../../connections/oauth-flow';
import { renderOAuthPage } from '../oauth-page';

const single = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= 4096 ? value : undefined;

function send(res: Response, rendered: { status: number; html: string }): void {
  res
    .status(rendered.status)
    .set('Cache-Control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(rendered.html);
}

/**
 * Atlassian's redirect target and the site choice after it. Unsigned (a browser calls them);
 * protected by the single-use state and pick tokens.
 */
export function oauthCallbackRoutes(deps: { oauth: OAuthConnectFlow }): Router {
  const router = relayRouter();
  router.get('/oauth/callback', async (req, res) => {
    const outcome = await deps.oauth.callback(
      {
        code: single(req.query.code),
        state: single(req.query.state),
        error: single(req.query.error),
      },
      req.requestId,
    );
    send(res, renderOAuthPage(outcome));
  });
  router.post(
    '/oauth/callback/select',
    express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 }),
    async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      const pick = single(body.pick);
      const cloudId = single(body.cloudId);
      const outcome =
        pick && cloudId
          ? await deps.oauth.pick(pick, cloudId, req.requestId)
          : ({ kind: 'failed', message: 'No site was chosen.', returnUrl: null } as const);
      send(res, renderOAuthPage(outcome));
    },
  );
  return router;
}
