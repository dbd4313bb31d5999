import { z } from 'zod';

/**
 * What the vault holds for a connection (JSON under `connection/<org>/<name>`; a user's own
 * grant under `connection/<org>/<name>/user/<userId>`). Never leaves the relay.
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

/**
 * One Salesforce user's own Jira credential on a connection (issue #16): under the
 * connection's reference, so deleting the connection deletes it too.
 */
export function userGrantSecretRef(orgId: string, connectionName: string, userId: string): string {
  return `${connectionSecretRef(orgId, connectionName)}/user/${userId}`;
}

/**
 * The client id and secret of a Jira Data Center incoming link, next to the connection's
 * tokens (deleting the connection deletes it with them).
 */
export function connectionOAuthClientRef(orgId: string, connectionName: string): string {
  return `${connectionSecretRef(orgId, connectionName)}/oauth-client`;
}

/** Where the PKCE verifier of a Jira Data Center authorization waits (by its state's hash). */
export function pkceVerifierRef(stateHash: string): string {
  return `oauth-pkce/${stateHash}`;
}

export function parseStoredCredentials(json: string): StoredCredentials {
  return storedCredentialsSchema.parse(JSON.parse(json));
}
