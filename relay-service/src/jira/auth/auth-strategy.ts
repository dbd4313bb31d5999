/**
 * How the transport authenticates one request. One implementation per method (one file each);
 * the choice by method is made only in `auth/index.ts`.
 */
export interface AuthStrategy {
  /**
   * Sets the Authorization header. Throws before any call is made when the connection cannot
   * be used (CONNECTION_NEEDS_REAUTH) or lacks a scope the request needs (SCOPE_MISSING).
   */
  authorize(
    headers: Record<string, string>,
    request: { scopes?: readonly string[]; method?: string },
  ): Promise<void>;
  /**
   * Called on a 401 from Jira. Resolves true when fresh credentials were obtained and the
   * request may be sent once more; false when retrying cannot help.
   */
  onUnauthorized(response: UnauthorizedResponse): Promise<boolean>;
}

export interface UnauthorizedResponse {
  status: number;
  body: unknown;
  /** The Authorization header value that was refused. */
  refusedAuthorization: string;
}

export function basicAuthorization(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;
}

/**
 * A strategy with one fixed Authorization header. A 401 cannot be cured by retrying: only a
 * new credential (from an admin) can fix it.
 */
export function fixedAuthorization(header: string): AuthStrategy {
  return {
    async authorize(headers) {
      headers.authorization = header;
    },
    onUnauthorized: async () => false,
  };
}
