import type { SalesforceAuth } from '../../tenants/tenant-service';
import {
  SalesforceAuthError,
  checkedSession,
  tokenEndpoint,
  type AuthContext,
  type SalesforceSession,
} from './session';

type ClientCredentials = Extract<SalesforceAuth, { type: 'client_credentials' }>;

/**
 * OAuth 2.0 client credentials flow. jsforce has no helper for it, so the token endpoint is
 * called directly and jsforce is handed the resulting token and instance URL.
 */
export async function clientCredentialsSession(
  auth: ClientCredentials,
  context: AuthContext,
): Promise<SalesforceSession> {
  const url = tokenEndpoint(auth.loginUrl);
  await context.upstream.checkUrl(url);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: auth.clientId,
        client_secret: auth.clientSecret,
      }),
      redirect: 'manual',
      signal: AbortSignal.timeout(context.timeoutMs),
    });
  } catch (error) {
    throw new SalesforceAuthError('token_endpoint_unreachable', 'Salesforce login unreachable.', {
      cause: error,
    });
  }
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const oauthError = body as { error?: unknown; error_description?: unknown } | null;
    const code =
      typeof oauthError?.error === 'string' ? oauthError.error : `http_${response.status}`;
    const description =
      typeof oauthError?.error_description === 'string' ? oauthError.error_description : '';
    throw new SalesforceAuthError(
      code,
      `Salesforce refused the client credentials (${response.status} ${code}${description ? `: ${description}` : ''}).`,
    );
  }
  return checkedSession(body, context.upstream);
}
