import { randomBytes } from 'node:crypto';
import type { JiraUser } from './model';
import { escapeHtml, type DoubleReply } from './router';

export interface OAuthSite {
  id: string;
  name: string;
  url: string;
  scopes: string[];
}

export const DEFAULT_SCOPES = [
  'read:jira-user',
  'read:jira-work',
  'write:jira-work',
  'offline_access',
];

interface Family {
  id: string;
  user: JiraUser;
  scopes: string[];
  revoked: boolean;
}

/**
 * Atlassian's authorization server and API gateway, as far as 3LO goes: auto-consent, code
 * exchange, rotating refresh tokens with a reuse leeway (reusing a rotated token after it
 * revokes the whole grant family), access-token expiry, accessible resources.
 */
export class OAuthServer {
  clientId = 'double-client-id';
  clientSecret = 'double-client-secret-7f3a';
  /** Scopes consent grants (a test may grant fewer). */
  grantedScopes = [...DEFAULT_SCOPES];
  accessTokenSeconds = 3600;
  /** How long a rotated refresh token may still be used (Atlassian: ten minutes). */
  reuseLeewayMs = 10 * 60 * 1000;
  /** When false, consent is refused (redirect with error=access_denied). */
  consent = true;
  /**
   * When true, /authorize first shows a consent page whose Allow and Deny buttons answer it
   * (a person in the sandbox, a browser test); when false it consents at once (API tests).
   */
  consentPage = false;
  /** Sites the grant reaches. */
  sites: OAuthSite[] = [];
  /**
   * The Atlassian account signed in to the consent screen (default: the site's first user). A
   * grant acts as the account that consented, as in Atlassian.
   */
  consentAs: JiraUser | undefined;
  /** The last /authorize query, for assertions about the relay's authorize URL. */
  lastAuthorize: URLSearchParams | undefined;
  /** Every token request body (secrets included: for assertions inside tests only). */
  readonly tokenRequests: Record<string, unknown>[] = [];

  private readonly families = new Map<string, Family>();
  private readonly codes = new Map<
    string,
    { familyId: string; redirectUri: string; used: boolean }
  >();
  private readonly refreshTokens = new Map<
    string,
    { familyId: string; rotatedAt: number | undefined }
  >();
  private readonly accessTokens = new Map<string, { familyId: string; expiresAt: number }>();

  constructor(
    private readonly now: () => number,
    private readonly user: () => JiraUser,
  ) {}

  /**
   * GET /authorize: the consent page (with `consentPage`), or the answer: a redirect back with
   * a code, or with error=access_denied when consent is refused.
   */
  authorize(query: URLSearchParams): DoubleReply {
    this.lastAuthorize = query;
    const redirectUri = query.get('redirect_uri') ?? '';
    const state = query.get('state') ?? '';
    const target = new URL(redirectUri);
    if (query.get('client_id') !== this.clientId || query.get('response_type') !== 'code') {
      return { status: 400, body: { error: 'invalid_request' } };
    }
    const decision = query.get('consent');
    if (this.consentPage && decision === null) return { status: 200, html: consentPage(query) };
    if (!this.consent || decision === 'deny') {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('state', state);
      return { status: 302, headers: { location: target.toString() } };
    }
    const family: Family = {
      id: token(8),
      user: this.consentAs ?? this.user(),
      scopes: this.grantedScopes,
      revoked: false,
    };
    this.families.set(family.id, family);
    const code = token(24);
    this.codes.set(code, { familyId: family.id, redirectUri, used: false });
    target.searchParams.set('code', code);
    target.searchParams.set('state', state);
    return { status: 302, headers: { location: target.toString() } };
  }

  /** POST /oauth/token (JSON body), both grants. */
  token(body: Record<string, unknown>): DoubleReply {
    this.tokenRequests.push(body);
    if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) {
      return { status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } };
    }
    if (body.grant_type === 'authorization_code') {
      const code = this.codes.get(String(body.code));
      if (!code || code.used || code.redirectUri !== body.redirect_uri) {
        return invalidGrant('Invalid authorization code');
      }
      code.used = true;
      return this.issue(code.familyId);
    }
    if (body.grant_type === 'refresh_token') {
      const entry = this.refreshTokens.get(String(body.refresh_token));
      const family = entry && this.families.get(entry.familyId);
      if (!entry || !family || family.revoked)
        return invalidGrant('Unknown or invalid refresh token.');
      if (entry.rotatedAt !== undefined && this.now() - entry.rotatedAt > this.reuseLeewayMs) {
        // Reuse of a stale token looks like theft: the whole grant goes.
        family.revoked = true;
        return invalidGrant('Unknown or invalid refresh token.');
      }
      entry.rotatedAt ??= this.now();
      return this.issue(family.id);
    }
    return { status: 400, body: { error: 'unsupported_grant_type' } };
  }

  /** GET /oauth/token/accessible-resources */
  accessibleResources(authorization: string | undefined): DoubleReply {
    const family = this.familyOf(authorization);
    if (family === 'expired' || !family)
      return { status: 401, body: { code: 401, message: 'Unauthorized' } };
    return {
      status: 200,
      body: this.sites.map((s) => ({
        ...s,
        scopes: family.scopes.filter((x) => x !== 'offline_access'),
        avatarUrl: `${s.url}/avatar.png`,
      })),
    };
  }

  /** The grant behind a Bearer access token, 'expired', or undefined when unknown or revoked. */
  familyOf(authorization: string | undefined): Family | 'expired' | undefined {
    const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const access = bearer ? this.accessTokens.get(bearer) : undefined;
    const family = access && this.families.get(access.familyId);
    if (!access || !family || family.revoked) return undefined;
    return access.expiresAt <= this.now() ? 'expired' : family;
  }

  /** Every access token issued so far stops working (as after an hour). */
  expireAccessTokens(): void {
    for (const access of this.accessTokens.values()) access.expiresAt = this.now();
  }

  /** Revokes the grants one account gave (as when that user removes the app in Atlassian). */
  revokeGrantsOf(user: JiraUser): void {
    for (const family of this.families.values()) if (family.user === user) family.revoked = true;
  }

  /** Revokes every grant (as when the user removes the app in Atlassian). */
  revokeAll(): void {
    for (const family of this.families.values()) family.revoked = true;
  }

  /** All refresh tokens issued, in order (tests replay stale ones). */
  issuedRefreshTokens(): string[] {
    return [...this.refreshTokens.keys()];
  }

  private issue(familyId: string): DoubleReply {
    const family = this.families.get(familyId) as Family;
    // Atlassian access tokens are JWTs well over 1 KB; the relay must cope with that size.
    const accessToken = `eyJhbGciOiJSUzI1NiJ9.${token(900)}`;
    this.accessTokens.set(accessToken, {
      familyId,
      expiresAt: this.now() + this.accessTokenSeconds * 1000,
    });
    const offline = family.scopes.includes('offline_access');
    let refreshToken: string | undefined;
    if (offline) {
      refreshToken = `rt-${token(32)}`;
      this.refreshTokens.set(refreshToken, { familyId, rotatedAt: undefined });
    }
    return {
      status: 200,
      body: {
        access_token: accessToken,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        expires_in: this.accessTokenSeconds,
        scope: family.scopes.join(' '),
        token_type: 'Bearer',
      },
    };
  }
}

/** Atlassian's consent screen, small: what the app asks for, and Allow or Deny. */
function consentPage(query: URLSearchParams): string {
  const hidden = [...query]
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join('\n');
  const scopes = (query.get('scope') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize access to Jira</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#172b4d}button{font:inherit;padding:.5rem 1.2rem;margin-right:.5rem;cursor:pointer}.allow{background:#0052cc;color:#fff;border:0;border-radius:3px}</style>
</head><body><main>
<h1>Authorize access to Jira</h1>
<p>An app wants to access your Atlassian account on these sites, with these permissions:</p>
<ul>${scopes}</ul>
<form method="get" action="authorize">
${hidden}
<button class="allow" type="submit" name="consent" value="allow">Allow</button>
<button type="submit" name="consent" value="deny">Deny</button>
</form></main></body></html>`;
}

function token(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

function invalidGrant(description: string): DoubleReply {
  return { status: 403, body: { error: 'invalid_grant', error_description: description } };
}
