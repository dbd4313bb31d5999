import { AppError } from '../../lib/errors';
import type { OAuthTokenState } from '../oauth/oauth-token-state';
import { fixedAuthorization, type AuthStrategy } from './auth-strategy';

/** Atlassian's gateway says this when the token lacks a scope the endpoint needs. */
function isScopeMismatch(body: unknown): boolean {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && /scope does not match/i.test(message);
}

/** OAuth 2.0 (3LO) on Jira Cloud: Bearer access token, refreshed through the token state. */
export function oauthAuth(tokens: OAuthTokenState, connectionName: string): AuthStrategy {
  return {
    async authorize(headers, request) {
      const credentials = await tokens.current();
      const missing = (request.scopes ?? []).filter((s) => !credentials.scopes.includes(s));
      if (missing.length) {
        throw new AppError(
          'SCOPE_MISSING',
          `Connection "${connectionName}" was not granted ${missing.join(', ')}. An admin reconnects it and consents to the scope.`,
          { extra: { missingScopes: missing } },
        );
      }
      headers.authorization = `Bearer ${credentials.accessToken}`;
    },
    async onUnauthorized(response) {
      // A fresh token would carry the same scopes: refreshing cannot help, and doing it on
      // every such 401 would loop through refresh tokens.
      if (isScopeMismatch(response.body)) {
        throw new AppError(
          'SCOPE_MISSING',
          `Jira refused the call because connection "${connectionName}" lacks a scope it needs. An admin reconnects it and consents to every requested scope.`,
          { jiraStatus: response.status },
        );
      }
      await tokens.refresh(response.refusedAuthorization.replace(/^Bearer /, ''));
      return true;
    },
  };
}

/**
 * A just-minted access token, used once to read the account before the grant is stored (the
 * token state only serves stored grants).
 */
export function freshOAuthAuth(accessToken: string): AuthStrategy {
  return fixedAuthorization(`Bearer ${accessToken}`);
}
