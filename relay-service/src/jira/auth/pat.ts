import { fixedAuthorization, type AuthStrategy } from './auth-strategy';

/** Jira Server/Data Center personal access token: Bearer <pat>. */
export function patAuth(credentials: { token: string }): AuthStrategy {
  return fixedAuthorization(`Bearer ${credentials.token}`);
}
