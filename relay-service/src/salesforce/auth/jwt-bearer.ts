import { createSign } from 'node:crypto';
import type { SalesforceAuth } from '../../tenants/tenant-service';
import {
  SalesforceAuthError,
  checkedSession,
  tokenEndpoint,
  type AuthContext,
  type SalesforceSession,
} from './session';
import { jsforce } from '../jsforce';

type JwtBearer = Extract<SalesforceAuth, { type: 'jwt_bearer' }>;

/** Salesforce accepts assertions that expire within three minutes; stay well inside that. */
const ASSERTION_LIFETIME_S = 120;

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** An RS256-signed JWT bearer assertion: iss = consumer key, sub = username, aud = login URL. */
export function jwtBearerAssertion(auth: JwtBearer, nowMs: number): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const claims = base64url(
    JSON.stringify({
      iss: auth.clientId,
      sub: auth.username,
      aud: auth.loginUrl.replace(/\/+$/, ''),
      exp: Math.floor(nowMs / 1000) + ASSERTION_LIFETIME_S,
    }),
  );
  const signature = createSign('RSA-SHA256')
    .update(`${header}.${claims}`)
    .sign(auth.privateKey)
    .toString('base64url');
  return `${header}.${claims}.${signature}`;
}

/** OAuth 2.0 JWT bearer flow through jsforce's `authorize`. */
export async function jwtBearerSession(
  auth: JwtBearer,
  context: AuthContext,
): Promise<SalesforceSession> {
  await context.upstream.checkUrl(tokenEndpoint(auth.loginUrl));
  let assertion: string;
  try {
    assertion = jwtBearerAssertion(auth, context.now());
  } catch (error) {
    // The key itself must never appear in the message, only that it could not be used.
    throw new SalesforceAuthError('invalid_private_key', 'The JWT private key could not sign.', {
      cause: error instanceof Error ? new Error(error.name) : undefined,
    });
  }
  const { Connection } = jsforce();
  const connection = new Connection({ loginUrl: auth.loginUrl.replace(/\/+$/, '') });
  try {
    await withTimeout(
      connection.authorize({
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion,
      }),
      context.timeoutMs,
    );
  } catch (error) {
    const code = error instanceof Error && error.name !== 'Error' ? error.name : 'token_error';
    throw new SalesforceAuthError(
      code,
      `Salesforce refused the JWT bearer assertion (${code}${error instanceof Error && error.message ? `: ${error.message}` : ''}).`,
    );
  }
  return checkedSession(
    { access_token: connection.accessToken, instance_url: connection.instanceUrl },
    context.upstream,
  );
}

async function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error('token request timed out'), { name: 'timeout' })),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
