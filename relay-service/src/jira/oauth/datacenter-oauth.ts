import { createHash, randomBytes } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { UpstreamGuard } from '../../lib/upstream-guard';
import type { Db } from '../../store/store';
import type { Vault } from '../../vault/vault';
import { connectionOAuthClientRef } from '../auth/credentials';
import { jiraUnavailable } from '../jira-errors';
import type { OAuthRefresher } from './oauth-token-state';
import { callOAuthEndpoint, tokenSetOf, type TokenSet } from './token-endpoint';

/*
 * Jira Data Center (8.22+) as its own OAuth 2.0 provider, through an *incoming* application
 * link (Administration → Applications → Application links → Create link → External
 * application → Incoming). What this module relies on, from Atlassian's "Jira OAuth 2.0
 * provider API", "OAuth 2.0 scopes for incoming links", "Configure an incoming link" and
 * "OAuth 2.0 provider system properties" pages (checked 2026-12):
 *
 * - Flows: authorization code, with or without PKCE (implicit and password grants are not
 *   offered). The browser goes to `{base}/rest/oauth2/latest/authorize` with `client_id`,
 *   `redirect_uri`, `response_type=code`, `scope`, `state` (one-time, bound to the user agent,
 *   as the page recommends) and `code_challenge` + `code_challenge_method=S256`; Jira sends it
 *   back to the link's Redirect URL with `code` and `state`.
 * - Token endpoint `{base}/rest/oauth2/latest/token`, `grant_type=authorization_code` (with
 *   `code`, `redirect_uri`, `code_verifier`) or `grant_type=refresh_token` (with
 *   `refresh_token`). The client authenticates with `client_id` and `client_secret` as request
 *   parameters (the page's examples put every parameter in the query string; the relay sends
 *   them as an `application/x-www-form-urlencoded` body, which the same servlet reads, so the
 *   secret stays out of URLs that proxies log). `redirect_uri` is sent on refresh as well: the
 *   provider validates it there too (documented by the jira.js Data Center helpers; the
 *   page's own refresh example carries it).
 * - Answers: `{"access_token","token_type":"bearer","expires_in","refresh_token","scope"}`;
 *   errors as RFC 6749 `{"error","error_description"}` (400, 401 for a bad client). A refresh
 *   answers a new access token and a new refresh token, and the one sent is no longer good:
 *   the new one is stored before it is used (see OAuthTokenState).
 * - Lifetimes (system properties, defaults): access tokens 3600 s
 *   (`atlassian.oauth2.provider.access.token.expiration.seconds`), refresh tokens 7,776,000 s
 *   = 90 days (`…refresh.token.expiration.seconds`), authorization codes 10 s, at most 600
 *   (`…max.client.delay.seconds`): the code is exchanged as soon as the browser returns.
 *   Jira answers no refresh-token lifetime, so the relay assumes the default.
 * - Scopes READ, WRITE, ADMIN, SYSTEM_ADMIN; the admin picks the most an app may ask for on
 *   the link, and a token never does more than the user who authorized it. Each scope includes
 *   the ones before it (WRITE includes READ: the provider's scope hierarchy, as the jira.js
 *   Data Center helpers document it). The relay creates, comments, links and transitions, so
 *   it asks for WRITE and nothing more; no ADMIN.
 * - A user revokes the grant under Profile → Authorized applications, and deleting the
 *   incoming link ends every grant of it: a later refresh is refused (`invalid_grant`, or
 *   `invalid_client` once the link is gone), which makes the connection `needs_reauth`.
 * - HTTPS is required for the base URL and the redirect URL in production (system properties
 *   can relax it for staging); the relay's own upstream guard applies to the base URL either
 *   way: every token call goes through it, like every Jira REST call.
 */

export const DATACENTER_AUTHORIZE_PATH = '/rest/oauth2/latest/authorize';
export const DATACENTER_TOKEN_PATH = '/rest/oauth2/latest/token';
/** The least scope the relay's operations need (WRITE includes READ). */
export const DATACENTER_OAUTH_SCOPE = 'WRITE';
/** Jira's default refresh-token lifetime (90 days); Jira does not answer it. */
export const DATACENTER_REFRESH_TOKEN_SECONDS = 90 * 24 * 3600;

/** The client id and secret of the incoming link (kept in the vault, never returned). */
export interface DataCenterClient {
  clientId: string;
  clientSecret: string;
}

const dataCenterClientSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});

/** The incoming link's client stored for a connection; undefined when none is (or it is unusable). */
export async function storedDataCenterClient(
  vault: Vault,
  orgId: string,
  connectionName: string,
  db?: Db,
): Promise<DataCenterClient | undefined> {
  const json = await vault.get(connectionOAuthClientRef(orgId, connectionName), db);
  const parsed = json ? dataCenterClientSchema.safeParse(JSON.parse(json)) : undefined;
  return parsed?.success ? parsed.data : undefined;
}

/** A PKCE pair (RFC 7636): a fresh verifier per attempt and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  // 32 random bytes: a 43-character verifier, the shortest RFC 7636 allows, of full entropy.
  const verifier = randomBytes(32).toString('base64url');
  return {
    verifier,
    challenge: createHash('sha256').update(verifier, 'ascii').digest('base64url'),
  };
}

/**
 * Token-endpoint errors that only a new consent (or a new client) can cure: invalid_client
 * too, since deleting the incoming link ends every grant of it.
 */
const REVOKED_GRANT_ERRORS = new Set(['invalid_grant', 'invalid_client', 'unauthorized_client']);

export interface DataCenterOAuthSettings {
  /** RELAY_PUBLIC_URL + /oauth/callback: the Redirect URL of the incoming link. */
  redirectUri: string;
  timeoutMs: number;
  /** The token endpoint is on an admin-supplied host: checked like every Jira URL. */
  guard: UpstreamGuard;
  connectTimeoutMs: number;
}

/**
 * The OAuth 2.0 endpoints of a Jira Data Center instance: the authorize URL the admin's
 * browser is sent to, the code exchange (with the PKCE verifier) and the refresh.
 */
export class DataCenterOAuth {
  /** From the guard, so the address connected to is the address checked. */
  private readonly dispatcher: Dispatcher;

  constructor(private readonly settings: DataCenterOAuthSettings) {
    this.dispatcher = settings.guard.agent({
      connectTimeoutMs: settings.connectTimeoutMs,
      connections: 4,
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => undefined);
  }

  get redirectUri(): string {
    return this.settings.redirectUri;
  }

  /** Built only from the stored base URL and client id; the state and challenge are fresh. */
  authorizeUrl(baseUrl: string, clientId: string, state: string, codeChallenge: string): string {
    const url = new URL(`${baseUrl}${DATACENTER_AUTHORIZE_PATH}`);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: this.settings.redirectUri,
      response_type: 'code',
      scope: DATACENTER_OAUTH_SCOPE,
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  exchangeCode(
    baseUrl: string,
    client: DataCenterClient,
    code: string,
    codeVerifier: string,
  ): Promise<TokenSet> {
    return this.token(baseUrl, client, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: this.settings.redirectUri,
      code_verifier: codeVerifier,
    });
  }

  refresh(baseUrl: string, client: DataCenterClient, refreshToken: string): Promise<TokenSet> {
    return this.token(baseUrl, client, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      redirect_uri: this.settings.redirectUri,
    });
  }

  /** A refresher for one connection; the client is read (from the vault) when needed. */
  refresherFor(
    connection: () => Promise<{ baseUrl: string; client: DataCenterClient }>,
  ): OAuthRefresher {
    return {
      provider: 'Jira',
      refresh: async (refreshToken) => {
        const { baseUrl, client } = await connection();
        return this.refresh(baseUrl, client, refreshToken);
      },
    };
  }

  private async token(
    baseUrl: string,
    client: DataCenterClient,
    grant: Record<string, string>,
  ): Promise<TokenSet> {
    const url = `${baseUrl}${DATACENTER_TOKEN_PATH}`;
    // The base URL was checked when it was saved; checked again here, for a clear answer
    // before any byte leaves (the dispatcher checks the address it connects to as well).
    await this.settings.guard.checkUrl(url).catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      throw jiraUnavailable('Jira could not be reached for OAuth; retry later.', error);
    });
    const { status, body } = await callOAuthEndpoint('Jira', url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        ...grant,
        client_id: client.clientId,
        client_secret: client.clientSecret,
      }).toString(),
      dispatcher: this.dispatcher,
      timeoutMs: this.settings.timeoutMs,
    });
    return tokenSetOf(status, body, {
      provider: 'Jira',
      revokedErrors: REVOKED_GRANT_ERRORS,
      refusedHint: `Check the client id and secret of the incoming application link and its Redirect URL (${this.settings.redirectUri}).`,
      refreshTokenSeconds: DATACENTER_REFRESH_TOKEN_SECONDS,
    });
  }
}
