import { createHash } from 'node:crypto';
import type { Logger } from '../lib/logger';
import type { SalesforceAuth } from '../tenants/tenant-service';
import {
  SalesforceAuthError,
  openSession,
  type SalesforceSession,
  type UpstreamUrlCheck,
} from './auth';

/**
 * The whole call failed: nothing in it is known to be saved. `code` is Salesforce's error code
 * (`REQUEST_LIMIT_EXCEEDED`, `SERVER_UNAVAILABLE`, `INVALID_SESSION_ID`, `ERROR_HTTP_503`), an
 * OAuth error, or a transport code; the message never carries a token or secret.
 */
export class SalesforceCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SalesforceCallError';
  }
}

interface CachedSession {
  fingerprint: string;
  session: Promise<SalesforceSession>;
  resolved?: SalesforceSession;
}

export interface SalesforceSessionsOptions {
  credentials(orgId: string): Promise<SalesforceAuth | undefined>;
  upstream: UpstreamUrlCheck;
  timeoutMs: number;
  now(): number;
  logger: Logger;
}

/**
 * One Salesforce session per tenant on its write-back credential, shared by everything the relay
 * does in the tenant's org (the audit outbox, reading files). Kept in memory only (never stored,
 * never logged); a caller told by Salesforce that it expired forgets it and asks once more.
 */
export class SalesforceSessions {
  private readonly sessions = new Map<string, CachedSession>();

  constructor(private readonly options: SalesforceSessionsOptions) {}

  /** The tenant's session; SalesforceCallError when it has no credential or the login fails. */
  async sessionFor(orgId: string): Promise<SalesforceSession> {
    const auth = await this.options.credentials(orgId);
    if (!auth) {
      throw new SalesforceCallError(
        'NO_SALESFORCE_CREDENTIAL',
        `Tenant ${orgId} has no Salesforce write-back credential; add one with tenants set --sf-auth.`,
      );
    }
    // A changed credential (new key, new org URL) must not keep using the old session.
    const fingerprint = createHash('sha256').update(JSON.stringify(auth)).digest('hex');
    const cached = this.sessions.get(orgId);
    if (cached && cached.fingerprint === fingerprint) return this.settled(cached.session);
    const session = openSession(auth, {
      upstream: this.options.upstream,
      timeoutMs: this.options.timeoutMs,
      now: this.options.now,
    });
    const entry: CachedSession = { fingerprint, session };
    this.sessions.set(orgId, entry);
    session.then(
      (resolved) => (entry.resolved = resolved),
      // A failed login is not cached: the next call tries again.
      () => {
        if (this.sessions.get(orgId) === entry) this.sessions.delete(orgId);
      },
    );
    return this.settled(session);
  }

  /** Drops the cached session if it is still the one that expired (not a newer renewal). */
  forget(orgId: string, expired: SalesforceSession): void {
    if (this.sessions.get(orgId)?.resolved === expired) this.sessions.delete(orgId);
  }

  private async settled(session: Promise<SalesforceSession>): Promise<SalesforceSession> {
    try {
      return await session;
    } catch (error) {
      if (error instanceof SalesforceAuthError) {
        throw new SalesforceCallError(`AUTH_${error.code.toUpperCase()}`, error.message, {
          cause: error,
        });
      }
      throw toCallError(error);
    }
  }
}

/** The Salesforce or transport code of an error thrown by jsforce, undici or fetch. */
export function salesforceErrorCode(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const {
    errorCode: sfCode,
    code,
    name,
  } = error as {
    errorCode?: unknown;
    code?: unknown;
    name?: unknown;
  };
  if (typeof sfCode === 'string') return sfCode;
  if (typeof code === 'string') return code;
  return typeof name === 'string' && name !== 'Error' ? name : undefined;
}

export function isSessionExpired(error: unknown): boolean {
  const code = salesforceErrorCode(error);
  return code === 'INVALID_SESSION_ID' || code === 'ERROR_HTTP_401';
}

export function toCallError(error: unknown): SalesforceCallError {
  if (error instanceof SalesforceCallError) return error;
  const code = salesforceErrorCode(error) ?? 'NETWORK_ERROR';
  // jsforce puts whole HTML pages into messages; keep the first line, and never more than 300.
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 300) : '';
  return new SalesforceCallError(code, message || code, { cause: error });
}
