import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { jiraUnavailable } from '../jira-errors';
import { callOAuthEndpoint, tokenSetOf, type TokenEndpoint, type TokenSet } from './token-endpoint';

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

export interface AccessibleResource {
  id: string;
  url: string;
  name: string;
  scopes: string[];
}

const resourcesResponse = z.array(
  z.object({
    id: z.string().min(1),
    url: z.string().url(),
    name: z.string(),
    scopes: z.array(z.string()).default([]),
    avatarUrl: z.string().optional(),
  }),
);

const TOKEN_ENDPOINT: TokenEndpoint = {
  provider: 'Atlassian',
  revokedErrors: new Set(['invalid_grant', 'unauthorized_client']),
  refusedHint: "Check ATLASSIAN_CLIENT_ID, ATLASSIAN_CLIENT_SECRET and the app's callback URL.",
};

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
    return tokenSetOf(status, body, TOKEN_ENDPOINT);
  }

  private call(
    url: string,
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; body: unknown }> {
    return callOAuthEndpoint('Atlassian', url, {
      method,
      headers,
      body,
      dispatcher: this.dispatcher,
      timeoutMs: this.settings.timeoutMs,
    });
  }
}
