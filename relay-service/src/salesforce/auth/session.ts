/** An authorized Salesforce API session. The access token is never logged or stored. */
export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
}

/** Checks a login or instance URL before the relay talks to it (the shared upstream guard). */
export interface UpstreamUrlCheck {
  checkUrl(url: string): Promise<unknown>;
}

export interface AuthContext {
  upstream: UpstreamUrlCheck;
  timeoutMs: number;
  now(): number;
}

/**
 * The token endpoint refused or could not be reached. `code` is Salesforce's OAuth error
 * (`invalid_client`, `invalid_grant`, …) or a transport code; the message never carries a secret.
 */
export class SalesforceAuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SalesforceAuthError';
  }
}

export const tokenEndpoint = (loginUrl: string) =>
  `${loginUrl.replace(/\/+$/, '')}/services/oauth2/token`;

/** The instance URL comes from the token response: it is checked like any other upstream. */
export async function checkedSession(
  body: unknown,
  upstream: UpstreamUrlCheck,
): Promise<SalesforceSession> {
  const token = body as { access_token?: unknown; instance_url?: unknown } | null;
  if (typeof token?.access_token !== 'string' || typeof token.instance_url !== 'string') {
    throw new SalesforceAuthError(
      'invalid_token_response',
      'The Salesforce token response lacks access_token or instance_url.',
    );
  }
  await upstream.checkUrl(token.instance_url);
  return { accessToken: token.access_token, instanceUrl: token.instance_url.replace(/\/+$/, '') };
}
