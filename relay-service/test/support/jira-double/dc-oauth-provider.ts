import { createHash, randomBytes } from 'node:crypto';
import type { JiraUser } from './model';
import { escapeHtml, type DoubleReply } from './router';

/** Jira Data Center's OAuth 2.0 scopes, each including the ones before it. */
export const DC_SCOPES = ['READ', 'WRITE', 'ADMIN', 'SYSTEM_ADMIN'] as const;
export type DataCenterScope = (typeof DC_SCOPES)[number];

export const DC_AUTHORIZE_PATH = '/rest/oauth2/latest/authorize';
export const DC_TOKEN_PATH = '/rest/oauth2/latest/token';
/** Where the consent screen posts the user's decision. */
export const DC_CONSENT_PATH = '/plugins/servlet/oauth2/consent';

/** An incoming application link (Administration → Applications → Application links). */
export interface IncomingLink {
  name: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** The most the link lets an app ask for (the admin's choice of permission). */
  scope: DataCenterScope;
}

interface Grant {
  id: string;
  user: JiraUser;
  scope: DataCenterScope;
  revoked: boolean;
}

interface AuthorizationCode {
  grantId: string;
  redirectUri: string;
  challenge: string | undefined;
  challengeMethod: 'S256' | 'plain';
  expiresAt: number;
  used: boolean;
  /** Access and refresh tokens issued from this code (revoked if the code is replayed). */
  issued: string[];
}

interface ConsentRequest {
  query: URLSearchParams;
  user: JiraUser;
  scope: DataCenterScope;
}

/** One token-endpoint call as the double saw it (secrets included: for test assertions only). */
export interface TokenRequest {
  params: Record<string, string>;
  /** Parameters that arrived in the query string rather than the form body. */
  inQuery: string[];
  contentType: string;
  status: number;
  error?: string;
}

const levelOf = (scope: string) => DC_SCOPES.indexOf(scope as DataCenterScope);
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

/**
 * Jira Data Center's OAuth 2.0 provider (incoming application links), as Atlassian's "Jira
 * OAuth 2.0 provider API" and "OAuth 2.0 scopes for incoming links" pages describe it:
 *
 * - `GET /rest/oauth2/latest/authorize`: an unknown `client_id` or a `redirect_uri` other than
 *   the link's gets an error page and no redirect (RFC 6749 §4.1.2.1); otherwise the signed-in
 *   user sees a consent page whose Allow button redirects to the link's Redirect URL with
 *   `code` and `state` (Deny: `error=access_denied`). PKCE: `code_challenge` with
 *   `code_challenge_method` S256 or plain.
 * - `POST /rest/oauth2/latest/token`: parameters from the query string or a form body (a Java
 *   servlet reads both; JSON is not read); the client authenticates with `client_id` and
 *   `client_secret` parameters (`invalid_client`, 401). `authorization_code` needs the code
 *   (single use, 10 s by default), the same `redirect_uri` and, when a challenge was sent, the
 *   matching `code_verifier`; `refresh_token` needs the link's `redirect_uri` too. A refresh
 *   rotates: a new access and refresh token, and the refresh token sent (with its access
 *   token) stops working. Errors: `{"error","error_description"}`, 400 (401 for the client).
 * - Access tokens last an hour, refresh tokens 90 days (the system-property defaults).
 * - Scopes READ < WRITE < ADMIN < SYSTEM_ADMIN, capped by the link; the token never does more
 *   than its user (the double's users may do everything).
 * - Revocation: the user revokes the app (Profile → Authorized applications), or an admin
 *   deletes the link: access tokens stop working, refreshes answer `invalid_grant`
 *   (`invalid_client` once the link is gone).
 */
export class DataCenterOAuthProvider {
  link: IncomingLink | undefined;
  accessTokenSeconds = 3600;
  refreshTokenSeconds = 90 * 24 * 3600;
  /** atlassian.oauth2.provider.max.client.delay.seconds: 10 by default. */
  codeLifetimeMs = 10_000;
  /**
   * A requested scope beyond the link's: refused (`invalid_scope`), or reduced to the link's
   * and said so in the token answer's `scope` (RFC 6749 §3.3 allows either).
   */
  scopeBeyondLink: 'refuse' | 'reduce' = 'refuse';
  /** The last authorize query, for assertions about the relay's authorize URL. */
  lastAuthorize: URLSearchParams | undefined;
  readonly tokenRequests: TokenRequest[] = [];

  private readonly issuedTokens: string[] = [];
  private readonly grants = new Map<string, Grant>();
  private readonly consents = new Map<string, ConsentRequest>();
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly refreshTokens = new Map<
    string,
    { grantId: string; expiresAt: number; accessToken: string }
  >();
  private readonly accessTokens = new Map<
    string,
    { grantId: string; expiresAt: number; revoked: boolean }
  >();

  constructor(
    private readonly now: () => number,
    /** The user signed in to Jira in the browser that consents. */
    public signedInUser: () => JiraUser,
  ) {}

  /** What a Jira admin does: creates an incoming link and copies its client id and secret. */
  createIncomingLink(options: {
    redirectUri: string;
    scope?: DataCenterScope;
    name?: string;
  }): IncomingLink {
    this.link = {
      name: options.name ?? 'Pharos Jira',
      clientId: random(16).replace(/[-_]/g, 'a'),
      clientSecret: `dc-secret-${random(24)}`,
      redirectUri: options.redirectUri,
      scope: options.scope ?? 'WRITE',
    };
    return this.link;
  }

  /** The admin deletes the link: every grant of it ends. */
  deleteIncomingLink(): void {
    this.link = undefined;
    this.revokeAll();
  }

  /** Users revoke the app under Profile → Authorized applications. */
  revokeAll(): void {
    for (const grant of this.grants.values()) grant.revoked = true;
  }

  /** Every access token issued so far stops working (as after an hour). */
  expireAccessTokens(): void {
    for (const access of this.accessTokens.values()) access.expiresAt = this.now();
  }

  /** Refresh tokens still good (a rotated one is gone). */
  issuedRefreshTokens(): string[] {
    return [...this.refreshTokens.keys()];
  }

  /** Every access and refresh token ever issued (for "never leaked" assertions). */
  everIssued(): string[] {
    return [...this.issuedTokens];
  }

  tokenCalls(grantType: 'authorization_code' | 'refresh_token'): number {
    return this.tokenRequests.filter((r) => r.params.grant_type === grantType).length;
  }

  /** GET /rest/oauth2/latest/authorize: the consent page, or an error. */
  authorize(query: URLSearchParams): DoubleReply {
    this.lastAuthorize = query;
    const link = this.link;
    const clientId = query.get('client_id');
    const redirectUri = query.get('redirect_uri');
    if (!link || clientId !== link.clientId)
      return errorPage(400, 'The application is not registered in Jira (unknown client_id).');
    if (redirectUri !== link.redirectUri)
      return errorPage(400, 'The redirect URL does not match the application link.');
    const state = query.get('state') ?? undefined;
    const back = (error: string) => redirect(link.redirectUri, { error, state });
    if (query.get('response_type') !== 'code') return back('unsupported_response_type');
    const requested = (query.get('scope') ?? '').split(/[\s,]+/).filter(Boolean);
    if (requested.length === 0 || requested.some((s) => levelOf(s) < 0))
      return back('invalid_scope');
    const beyond = requested.some((s) => levelOf(s) > levelOf(link.scope));
    if (beyond && this.scopeBeyondLink === 'refuse') return back('invalid_scope');
    const challenge = query.get('code_challenge');
    const method = query.get('code_challenge_method') ?? 'plain';
    if (challenge !== null && method !== 'S256' && method !== 'plain')
      return back('invalid_request');
    const highest = requested.reduce((a, b) =>
      levelOf(b) > levelOf(a) ? b : a,
    ) as DataCenterScope;
    const scope = beyond ? link.scope : highest;
    const id = random(18);
    const user = this.signedInUser();
    this.consents.set(id, { query, user, scope });
    return {
      status: 200,
      html: `<!doctype html><html><head><title>Allow access</title></head><body>
<h1>${escapeHtml(link.name)} wants to access your Jira account</h1>
<p>Signed in as ${escapeHtml(user.displayName)}. Scope: ${escapeHtml(scope)}.</p>
<form method="post" action="${DC_CONSENT_PATH}">
<input type="hidden" name="consent" value="${id}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>`,
    };
  }

  /** POST /plugins/servlet/oauth2/consent: Allow redirects with a code, Deny with an error. */
  consent(form: Record<string, string>): DoubleReply {
    const request = this.consents.get(form.consent ?? '');
    const link = this.link;
    if (!request || !link) return errorPage(400, 'This authorization request is unknown.');
    this.consents.delete(form.consent as string);
    const state = request.query.get('state') ?? undefined;
    if (form.decision !== 'allow')
      return redirect(link.redirectUri, { error: 'access_denied', state });
    const grant: Grant = {
      id: random(8),
      user: request.user,
      scope: request.scope,
      revoked: false,
    };
    this.grants.set(grant.id, grant);
    const code = random(24);
    const challenge = request.query.get('code_challenge') ?? undefined;
    this.codes.set(code, {
      grantId: grant.id,
      redirectUri: request.query.get('redirect_uri') ?? '',
      challenge,
      challengeMethod: request.query.get('code_challenge_method') === 'S256' ? 'S256' : 'plain',
      expiresAt: this.now() + this.codeLifetimeMs,
      used: false,
      issued: [],
    });
    return redirect(link.redirectUri, { code, state });
  }

  /** POST /rest/oauth2/latest/token */
  token(
    query: URLSearchParams,
    form: Record<string, string> | undefined,
    contentType: string,
  ): DoubleReply {
    const params: Record<string, string> = { ...Object.fromEntries(query), ...form };
    const inQuery = [...query.keys()];
    const reply = this.grantFor(params);
    this.tokenRequests.push({
      params,
      inQuery,
      contentType,
      status: reply.status,
      error: (reply.body as { error?: string } | undefined)?.error,
    });
    return reply;
  }

  /** The user and scope behind a Bearer access token; 'expired'; undefined when unknown or revoked. */
  principalFor(bearer: string): { user: JiraUser; scopes: string[] } | 'expired' | undefined {
    const access = this.accessTokens.get(bearer);
    const grant = access && this.grants.get(access.grantId);
    if (!access || access.revoked || !grant || grant.revoked) return undefined;
    if (access.expiresAt <= this.now()) return 'expired';
    return { user: grant.user, scopes: [grant.scope] };
  }

  /** Whether a token of these scopes may make this request (GET and search read; the rest writes). */
  permits(scopes: readonly string[], method: string, path: string): boolean {
    const needed = method === 'GET' || (method === 'POST' && path.endsWith('/search')) ? 0 : 1;
    return Math.max(-1, ...scopes.map(levelOf)) >= needed;
  }

  private grantFor(params: Record<string, string>): DoubleReply {
    const link = this.link;
    if (!link || params.client_id !== link.clientId || params.client_secret !== link.clientSecret)
      return tokenError(401, 'invalid_client', 'Client authentication failed');
    if (params.grant_type === 'authorization_code') return this.exchange(params, link);
    if (params.grant_type === 'refresh_token') return this.rotate(params, link);
    return tokenError(400, 'unsupported_grant_type', 'Unsupported grant type');
  }

  private exchange(params: Record<string, string>, link: IncomingLink): DoubleReply {
    if (!params.code || !params.redirect_uri)
      return tokenError(400, 'invalid_request', 'code and redirect_uri are required');
    const code = this.codes.get(params.code);
    if (!code) return tokenError(400, 'invalid_grant', 'Invalid authorization code');
    if (code.used) {
      // A replayed code: what was issued from it is revoked (RFC 6749 §4.1.2).
      for (const token of code.issued) this.revokeToken(token);
      return tokenError(400, 'invalid_grant', 'Authorization code already used');
    }
    code.used = true;
    if (code.expiresAt <= this.now())
      return tokenError(400, 'invalid_grant', 'Authorization code expired');
    if (code.redirectUri !== params.redirect_uri || link.redirectUri !== params.redirect_uri)
      return tokenError(400, 'invalid_grant', 'Redirect URI mismatch');
    if (code.challenge !== undefined) {
      const verifier = params.code_verifier ?? '';
      const derived =
        code.challengeMethod === 'S256'
          ? createHash('sha256').update(verifier, 'ascii').digest('base64url')
          : verifier;
      if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier) || derived !== code.challenge)
        return tokenError(400, 'invalid_grant', 'PKCE verification failed');
    }
    const reply = this.issue(code.grantId);
    const body = reply.body as { access_token: string; refresh_token: string };
    code.issued.push(body.access_token, body.refresh_token);
    return reply;
  }

  private rotate(params: Record<string, string>, link: IncomingLink): DoubleReply {
    if (params.redirect_uri !== link.redirectUri)
      return tokenError(400, 'invalid_grant', 'Redirect URI mismatch');
    const entry = this.refreshTokens.get(params.refresh_token ?? '');
    const grant = entry && this.grants.get(entry.grantId);
    if (!entry || !grant || grant.revoked || entry.expiresAt <= this.now())
      return tokenError(400, 'invalid_grant', 'Invalid refresh token');
    // Single use: the refresh token sent, and the access token issued with it, stop here.
    this.refreshTokens.delete(params.refresh_token as string);
    this.revokeToken(entry.accessToken);
    return this.issue(grant.id);
  }

  private revokeToken(token: string): void {
    const access = this.accessTokens.get(token);
    if (access) access.revoked = true;
    this.refreshTokens.delete(token);
  }

  private issue(grantId: string): DoubleReply {
    const grant = this.grants.get(grantId) as Grant;
    const accessToken = random(32);
    const refreshToken = random(32);
    this.issuedTokens.push(accessToken, refreshToken);
    const now = this.now();
    this.accessTokens.set(accessToken, {
      grantId,
      expiresAt: now + this.accessTokenSeconds * 1000,
      revoked: false,
    });
    this.refreshTokens.set(refreshToken, {
      grantId,
      expiresAt: now + this.refreshTokenSeconds * 1000,
      accessToken,
    });
    return {
      status: 200,
      body: {
        access_token: accessToken,
        token_type: 'bearer',
        expires_in: this.accessTokenSeconds,
        refresh_token: refreshToken,
        scope: grant.scope,
      },
    };
  }
}

function tokenError(status: number, error: string, description: string): DoubleReply {
  return { status, body: { error, error_description: description } };
}

function redirect(target: string, params: Record<string, string | undefined>): DoubleReply {
  const url = new URL(target);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(key, value);
  }
  return { status: 302, headers: { location: url.toString() } };
}

function errorPage(status: number, message: string): DoubleReply {
  return {
    status,
    html: `<!doctype html><html><body><h1>OAuth 2.0 error</h1><p>${escapeHtml(message)}</p></body></html>`,
  };
}
