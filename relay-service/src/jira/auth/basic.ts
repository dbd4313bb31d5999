import { basicAuthorization, type AuthStrategy } from './auth-strategy';

/** Jira Server/Data Center username and password (deprecated, kept for old installations). */
export function basicAuth(credentials: { username: string; password: string }): AuthStrategy {
  const header = basicAuthorization(credentials.username, credentials.password);
  return {
    async authorize(headers) {
      headers.authorization = header;
    },
    onUnauthorized: async () => false,
  };
}
