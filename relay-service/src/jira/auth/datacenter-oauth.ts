import { AppError } from '../../lib/errors';
import type { OAuthTokenState } from '../oauth/oauth-token-state';
import type { AuthStrategy } from './auth-strategy';

/**
 * Jira Data Center's OAuth 2.0 scopes, each including the ones before it (WRITE includes
 * READ; see jira/oauth/datacenter-oauth.ts for the sources).
 */
const LEVELS = ['READ', 'WRITE', 'ADMIN', 'SYSTEM_ADMIN'] as const;

/** The highest level among the granted scopes; -1 when none is known. */
function grantedLevel(scopes: readonly string[]): number {
  return Math.max(
    -1,
    ...scopes.map((s) => LEVELS.indexOf(s.toUpperCase() as (typeof LEVELS)[number])),
  );
}

/**
 * The level a request needs. Endpoints name the Cloud scopes they need (`read:jira-work`,
 * `write:jira-work`); a `write:` scope needs WRITE, any other READ. Where an endpoint names
 * none (Server/DC-only calls), a GET needs READ and anything else WRITE.
 */
function neededLevel(request: { scopes?: readonly string[]; method?: string }): number {
  if (request.scopes?.length) return request.scopes.some((s) => s.startsWith('write:')) ? 1 : 0;
  return request.method === undefined || request.method === 'GET' ? 0 : 1;
}

/**
 * OAuth 2.0 on Jira Data Center (an incoming application link): Bearer access token from the
 * token state, refreshed at the instance's own token endpoint; a request above the granted
 * scope fails SCOPE_MISSING before it reaches Jira.
 */
export function dataCenterOAuthAuth(tokens: OAuthTokenState, connectionName: string): AuthStrategy {
  return {
    async authorize(headers, request) {
      const credentials = await tokens.current();
      const needed = neededLevel(request);
      if (grantedLevel(credentials.scopes) < needed) {
        const missing = LEVELS[needed] as string;
        throw new AppError(
          'SCOPE_MISSING',
          `Connection "${connectionName}" was granted ${credentials.scopes.join(', ') || 'no scope'}, not ${missing}. A Jira admin allows ${missing} on the incoming application link, then an admin reconnects the connection.`,
          { extra: { missingScopes: [missing] } },
        );
      }
      headers.authorization = `Bearer ${credentials.accessToken}`;
    },
    async onUnauthorized(response) {
      await tokens.refresh(response.refusedAuthorization.replace(/^Bearer /, ''));
      return true;
    },
  };
}
