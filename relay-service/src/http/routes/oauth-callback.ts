import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { relayRouter } from '../router';
import type { OAuthConnectFlow } from '../../connections/oauth-flow';
import { OAUTH_PAGE_CSP, renderOAuthPage } from '../oauth-page';

const single = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= 4096 ? value : undefined;

/**
 * The browser secret travels in one cookie per started flow (several flows may run side by side
 * in one browser). `__Host-` pins it to the relay's own host over https; a plain-http loopback
 * relay (development) cannot use that prefix or Secure.
 */
const COOKIE_NAME = /^(?:__Host-)?pharos_oauth_[0-9a-f]{12}$/;
const MAX_COOKIES_READ = 20;

/** The values of the browser's OAuth binding cookies (a hand parse: express reads none). */
function browserSecrets(req: Request): string[] {
  const secrets: string[] = [];
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (COOKIE_NAME.test(name) && /^[A-Za-z0-9_-]{16,128}$/.test(value)) secrets.push(value);
    if (secrets.length >= MAX_COOKIES_READ) break;
  }
  return secrets;
}

function noStore(res: Response): Response {
  return res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
}

function send(res: Response, rendered: { status: number; html: string }): void {
  noStore(res)
    .status(rendered.status)
    .set('Content-Security-Policy', OAUTH_PAGE_CSP)
    .type('text/html; charset=utf-8')
    .send(rendered.html);
}

/**
 * The browser side of OAuth: the start link the setup screen opens, Atlassian's redirect
 * target and the site choice after it. Unsigned (a browser calls them); protected by the
 * single-use start token, state and pick token, and by the cookie that binds them to the
 * browser that opened the start link (see OAuthConnectFlow).
 */
export function oauthCallbackRoutes(deps: { oauth: OAuthConnectFlow }): Router {
  const router = relayRouter();
  router.get('/oauth/start', async (req, res) => {
    const token = single(req.query.token);
    const opening = token
      ? await deps.oauth.open(token)
      : ({
          kind: 'expired',
          message: 'This link carries no authorization. Start again from Salesforce.',
          returnUrl: null,
        } as const);
    if (opening.kind !== 'redirect') {
      send(res, renderOAuthPage(opening));
      return;
    }
    const secure = !deps.oauth.servesPlainLoopback;
    const name = `${secure ? '__Host-' : ''}pharos_oauth_${randomBytes(6).toString('hex')}`;
    noStore(res)
      .cookie(name, opening.browserSecret, {
        httpOnly: true,
        secure,
        sameSite: 'lax',
        path: '/',
        maxAge: opening.maxAgeMs,
      })
      .redirect(302, opening.location);
  });
  router.get('/oauth/callback', async (req, res) => {
    const outcome = await deps.oauth.callback(
      {
        code: single(req.query.code),
        state: single(req.query.state),
        error: single(req.query.error),
      },
      browserSecrets(req),
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
          ? await deps.oauth.pick(pick, cloudId, browserSecrets(req), req.requestId)
          : ({ kind: 'failed', message: 'No site was chosen.', returnUrl: null } as const);
      send(res, renderOAuthPage(outcome));
    },
  );
  return router;
}
