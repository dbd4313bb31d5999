import { request as undiciRequest, type Dispatcher } from 'undici';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import { jiraUnavailable } from '../jira-errors';

/** Scopes the relay asks for: read users and work, write work, and a refresh token. */
export const JIRA_OAUTH_SCOPES = [
  'read:jira-user',
  'read:jira-work',
  'write:jira-work',
  'offline_access',
] as const;

export interface AtlassianOAuthSettings {
  clientId: string;
  clientSecret: string;
  /** ATLASSIAN_AUTH_URL */
  authUrl: string;
  /** ATLASSIAN_API_URL */
  apiUrl: string;
  /** RELAY_PUBLIC_URL + /oauth/callback */
  redirectUri: string;
  timeoutMs: number;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresInSeconds: number;
  /** How long the refresh token lasts, when the provider says or documents it. */
  refreshTokenExpiresInSeconds?: number;
  scopes: string[];
}

export interface AccessibleResource {
  id: string;
  url: string;
  name: string;
  scopes: string[];
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1).optional(),
  expires_in: z.number().positive(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
});

const tokenError = z.object({ error: z.string(), error_description: z.string().optional() });

const resourcesResponse = z.array(
  z.object({
    id: z.string().min(1),
    url: z.string().url(),
    name: z.string(),
    scopes: z.array(z.string()).default([]),
    avatarUrl: z.string().optional(),
  }),
);

/** The token endpoint said the grant is gone: only a new consent by the admin helps. */
export class OAuthGrantRevoked extends Error {
  constructor(
    readonly error: string,
    /** Who refused: Atlassian (Cloud) or the Jira Data Center instance. */
    readonly provider: 'Atlassian' | 'Jira' = 'Atlassian',
  ) {
    super(`${provider} refused the grant (${error})`);
    this.name = 'OAuthGrantRevoked';
  }
}

const REVOKED_GRANT_ERRORS = new Set(['invalid_grant', 'unauthorized_client']);

/**
 * Atlassian's OAuth 2.0 (3LO) endpoints: authorize URL, code exchange, refresh (rotating
 * refresh tokens) and the sites a grant reaches. These URLs come from the operator's
 * configuration, not from tenants, so they are not subject to the upstream guard.
 */
export class AtlassianOAuth {
  readonly provider = 'Atlassian';

  constructor(
    readonly settings: AtlassianOAuthSettings,
    private readonly dispatcher?: Dispatcher,
  ) {}

  authorizeUrl(state: string): string {
    const url = new URL(`${this.settings.authUrl}/authorize`);
    url.search = new URLSearchParams({
      audience: 'api.atlassian.com',
      client_id: this.settings.clientId,
      scope: JIRA_OAUTH_SCOPES.join(' '),
      redirect_uri: this.settings.redirectUri,
      state,
      response_type: 'code',
      prompt: 'consent',
    }).toString();
    return url.toString();
  }

  exchangeCode(code: string): Promise<TokenSet> {
    return this.token({
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.settings.redirectUri,
    });
  }

  refresh(refreshToken: string): Promise<TokenSet> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  async accessibleResources(accessToken: string): Promise<AccessibleResource[]> {
    const { status, body } = await this.call(
      `${this.settings.apiUrl}/oauth/token/accessible-resources`,
      'GET',
      { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
    );
    if (status !== 200) {
      throw jiraUnavailable(`Atlassian answered ${status} when listing the sites of the grant.`);
    }
    const parsed = resourcesResponse.safeParse(body);
    if (!parsed.success) {
      throw jiraUnavailable('Atlassian listed the sites of the grant in an unexpected shape.');
    }
    return parsed.data;
  }

  private async token(grant: Record<string, string>): Promise<TokenSet> {
    const { status, body } = await this.call(
      `${this.settings.authUrl}/oauth/token`,
      'POST',
      { 'content-type': 'application/json', accept: 'application/json' },
      JSON.stringify({
        ...grant,
        client_id: this.settings.clientId,
        client_secret: this.settings.clientSecret,
      }),
    );
    if (status === 200) {
      const parsed = tokenResponse.safeParse(body);
      if (!parsed.success)
        throw jiraUnavailable('Atlassian answered the token request in an unexpected shape.');
      return {
        accessToken: parsed.data.access_token,
        refreshToken: parsed.data.refresh_token ?? null,
        expiresInSeconds: parsed.data.expires_in,
        scopes: parsed.data.scope ? parsed.data.scope.split(/\s+/).filter(Boolean) : [],
      };
    }
    const error = tokenError.safeParse(body);
    if (error.success && REVOKED_GRANT_ERRORS.has(error.data.error)) {
      throw new OAuthGrantRevoked(error.data.error);
    }
    if (status >= 400 && status < 500) {
      throw new AppError(
        'JIRA_UNAUTHORIZED',
        `Atlassian refused the token request (${error.success ? error.data.error : status}). Check ATLASSIAN_CLIENT_ID, ATLASSIAN_CLIENT_SECRET and the app's callback URL.`,
        { jiraStatus: status },
      );
    }
    throw jiraUnavailable(`Atlassian's token endpoint answered ${status}; retry later.`);
  }

  private async call(
    url: string,
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; body: unknown }> {
    try {
      const answer = await undiciRequest(url, {
        method,
        headers,
        body,
        dispatcher: this.dispatcher,
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
      const text = await answer.body.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: kept as text, reported as an unexpected shape by the caller.
      }
      return { status: answer.statusCode, body: parsed };
    } catch (error) {
      throw jiraUnavailable('Atlassian could not be reached for OAuth; retry later.', error);
    }
  }
}
