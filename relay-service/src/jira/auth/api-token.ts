import { basicAuthorization, fixedAuthorization, type AuthStrategy } from './auth-strategy';

/** Jira Cloud API token: Basic base64(email:token) on the site URL. */
export function apiTokenAuth(credentials: { email: string; token: string }): AuthStrategy {
  // A refused API token stays refused (revoked or expired): only the admin can fix it.
  return fixedAuthorization(basicAuthorization(credentials.email, credentials.token));
}
