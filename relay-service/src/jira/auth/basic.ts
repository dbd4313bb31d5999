import { basicAuthorization, fixedAuthorization, type AuthStrategy } from './auth-strategy';

/** Jira Server/Data Center username and password (deprecated, kept for old installations). */
export function basicAuth(credentials: { username: string; password: string }): AuthStrategy {
  return fixedAuthorization(basicAuthorization(credentials.username, credentials.password));
}
