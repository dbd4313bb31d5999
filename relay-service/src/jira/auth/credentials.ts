import { z } from 'zod';

/**
 * What the vault holds for a connection (JSON under `connection/<org>/<name>`; a user's own
 * grant later under `connection/<org>/<name>/user/<userId>`). Never leaves the relay.
 */
export const storedCredentialsSchema = z.discriminatedUnion('method', [
  z.object({ method: z.literal('api_token'), email: z.string(), token: z.string() }),
  z.object({ method: z.literal('pat'), token: z.string() }),
  z.object({ method: z.literal('basic'), username: z.string(), password: z.string() }),
  z.object({
    method: z.literal('oauth'),
    accessToken: z.string(),
    refreshToken: z.string().nullable(),
    /** Epoch milliseconds when the access token stops working. */
    accessTokenExpiresAt: z.number(),
    scopes: z.array(z.string()),
  }),
]);

export type StoredCredentials = z.infer<typeof storedCredentialsSchema>;
export type OAuthCredentials = Extract<StoredCredentials, { method: 'oauth' }>;
export type AuthMethod = StoredCredentials['method'];

export function connectionSecretRef(orgId: string, connectionName: string): string {
  return `connection/${orgId}/${connectionName}`;
}

export function parseStoredCredentials(json: string): StoredCredentials {
  return storedCredentialsSchema.parse(JSON.parse(json));
}
