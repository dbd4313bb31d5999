import type { OAuthTokenState } from '../oauth/oauth-token-state';
import { apiTokenAuth } from './api-token';
import type { AuthStrategy } from './auth-strategy';
import { basicAuth } from './basic';
import type { StoredCredentials } from './credentials';
import { dataCenterOAuthAuth } from './datacenter-oauth';
import { oauthAuth } from './oauth';
import { patAuth } from './pat';

export type { AuthStrategy } from './auth-strategy';

/** The one place an auth method becomes a strategy. */
export function authStrategyFor(
  credentials: StoredCredentials,
  context: {
    connectionName: string;
    deployment: 'cloud' | 'server';
    oauthTokens: () => OAuthTokenState;
  },
): AuthStrategy {
  switch (credentials.method) {
    case 'api_token':
      return apiTokenAuth(credentials);
    case 'pat':
      return patAuth(credentials);
    case 'basic':
      return basicAuth(credentials);
    case 'oauth':
      // Cloud: Atlassian's 3LO; Server/DC: the instance's own OAuth 2.0 provider.
      return context.deployment === 'cloud'
        ? oauthAuth(context.oauthTokens(), context.connectionName)
        : dataCenterOAuthAuth(context.oauthTokens(), context.connectionName);
  }
}
