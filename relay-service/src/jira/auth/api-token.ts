import { basicAuthorization, type AuthStrategy } from './auth-strategy';

/** Jira Cloud API token: Basic base64(email:token) on the site URL. */
export function apiTokenAuth(credentials: { email: string; token: string }): AuthStrategy {
  const header = basicAuthorization(credentials.email, credentials.token);
  return {
    async authorize(headers) {
      headers.authorization = header;
    },
    // A refused API token stays refused (revoked or expired): only the admin can fix it.
    onUnauthorized: async () => false,
  };
}
