import type { JiraDouble } from '../jira-double';
import type { DoubleRouter } from '../router';

/** Atlassian's OAuth endpoints (auth.atlassian.com and api.atlassian.com in one server). */
export function oauthRoutes(router: DoubleRouter, double: JiraDouble): void {
  const oauth = double.oauth;
  if (!oauth) return;
  router.get('/authorize', (request) => oauth.authorize(request.query), { kind: 'public' });
  router.post(
    '/oauth/token',
    (request) => oauth.token((request.body ?? {}) as Record<string, unknown>),
    { kind: 'public' },
  );
  router.get(
    '/oauth/token/accessible-resources',
    (request) => oauth.accessibleResources(request.headers.authorization),
    { kind: 'public' },
  );
}
