import { DC_AUTHORIZE_PATH, DC_CONSENT_PATH, DC_TOKEN_PATH } from '../dc-oauth-provider';
import type { JiraDouble } from '../jira-double';
import type { DoubleRouter } from '../router';

/** Jira Data Center's own OAuth 2.0 provider: authorize (consent page), consent, token. */
export function dataCenterOAuthRoutes(router: DoubleRouter, double: JiraDouble): void {
  const provider = double.dcOAuth;
  if (!provider) return;
  router.get(DC_AUTHORIZE_PATH, (request) => provider.authorize(request.query), { kind: 'public' });
  router.post(DC_CONSENT_PATH, (request) => provider.consent(request.form ?? {}), {
    kind: 'public',
  });
  router.post(
    DC_TOKEN_PATH,
    (request) =>
      provider.token(request.query, request.form, String(request.headers['content-type'] ?? '')),
    { kind: 'public' },
  );
}
