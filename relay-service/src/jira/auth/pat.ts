import type { AuthStrategy } from './auth-strategy';

/** Jira Server/Data Center personal access token: Bearer <pat>. */
export function patAuth(credentials: { token: string }): AuthStrategy {
  const header = `Bearer ${credentials.token}`;
  return {
    async authorize(headers) {
      headers.authorization = header;
    },
    onUnauthorized: async () => false,
  };
}
