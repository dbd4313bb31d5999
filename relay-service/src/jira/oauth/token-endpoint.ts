import { request as undiciRequest, type Dispatcher } from 'undici';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import { forbiddenCause, upstreamForbidden } from '../../lib/upstream-guard';
import { jiraUnavailable } from '../jira-errors';

/*
 * What Atlassian (Cloud, 3LO) and a Jira Data Center instance (its own OAuth 2.0 provider)
 * have in common: an RFC 6749 token endpoint whose answer is read the same way, and the
 * calls to it. Each provider's module says where the endpoint is and how the client
 * authenticates.
 */

export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  expiresInSeconds: number;
  /** How long the refresh token lasts, when the provider says or documents it. */
  refreshTokenExpiresInSeconds?: number;
  scopes: string[];
}

/** Who issues the tokens: Atlassian (Cloud) or the Jira Data Center instance. */
export type OAuthProvider = 'Atlassian' | 'Jira';

/** The token endpoint said the grant is gone: only a new consent by the admin helps. */
export class OAuthGrantRevoked extends Error {
  constructor(
    readonly error: string,
    /** Who refused: Atlassian (Cloud) or the Jira Data Center instance. */
    readonly provider: OAuthProvider = 'Atlassian',
  ) {
    super(`${provider} refused the grant (${error})`);
    this.name = 'OAuthGrantRevoked';
  }
}

const tokenResponse = z.object({
  access_token: z.string().min(1).max(16384),
  refresh_token: z.string().min(1).max(16384).optional(),
  expires_in: z.number().positive(),
  refresh_expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
});

// The error code goes into messages: only a plain RFC 6749 code is taken.
const tokenError = z.object({ error: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/) });

export interface TokenEndpoint {
  provider: OAuthProvider;
  /** Token-endpoint errors that only a new consent (or a new client) can cure. */
  revokedErrors: ReadonlySet<string>;
  /** What the admin checks when the endpoint refuses the client (any other 4xx). */
  refusedHint: string;
  /** The refresh-token lifetime to assume when the provider grants one and answers none. */
  refreshTokenSeconds?: number;
}

/**
 * The tokens of a token-endpoint answer, or the error it means: OAuthGrantRevoked when only a
 * new consent helps, JIRA_UNAUTHORIZED for another refusal, JIRA_UNAVAILABLE otherwise.
 */
export function tokenSetOf(status: number, body: unknown, endpoint: TokenEndpoint): TokenSet {
  const { provider } = endpoint;
  if (status === 200) {
    const parsed = tokenResponse.safeParse(body);
    if (!parsed.success || (parsed.data.token_type && !/^bearer$/i.test(parsed.data.token_type)))
      throw jiraUnavailable(`${provider} answered the token request in an unexpected shape.`);
    return {
      accessToken: parsed.data.access_token,
      refreshToken: parsed.data.refresh_token ?? null,
      expiresInSeconds: parsed.data.expires_in,
      refreshTokenExpiresInSeconds:
        parsed.data.refresh_expires_in ??
        (parsed.data.refresh_token ? endpoint.refreshTokenSeconds : undefined),
      scopes: parsed.data.scope ? parsed.data.scope.split(/[\s,]+/).filter(Boolean) : [],
    };
  }
  const error = tokenError.safeParse(body);
  if (error.success && endpoint.revokedErrors.has(error.data.error)) {
    throw new OAuthGrantRevoked(error.data.error, provider);
  }
  if (status >= 400 && status < 500) {
    throw new AppError(
      'JIRA_UNAUTHORIZED',
      `${provider} refused the token request (${error.success ? error.data.error : status}). ${endpoint.refusedHint}`,
      { jiraStatus: status },
    );
  }
  throw jiraUnavailable(`${provider}'s token endpoint answered ${status}; retry later.`);
}

/**
 * One call to an OAuth endpoint: its status and body (parsed JSON, or the text when it is not
 * JSON, such as an HTML error page). A host the upstream guard refuses is UPSTREAM_FORBIDDEN;
 * any other failure to get an answer is JIRA_UNAVAILABLE.
 */
export async function callOAuthEndpoint(
  provider: OAuthProvider,
  url: string,
  init: {
    method: 'GET' | 'POST';
    headers: Record<string, string>;
    body?: string;
    dispatcher: Dispatcher | undefined;
    timeoutMs: number;
  },
): Promise<{ status: number; body: unknown }> {
  try {
    const answer = await undiciRequest(url, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      dispatcher: init.dispatcher,
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    const text = await answer.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON: kept as text, judged by the caller on the status and shape.
    }
    return { status: answer.statusCode, body: parsed };
  } catch (error) {
    const forbidden = forbiddenCause(error);
    if (forbidden) throw upstreamForbidden(forbidden.host, forbidden.reason, error);
    throw jiraUnavailable(`${provider} could not be reached for OAuth; retry later.`, error);
  }
}
