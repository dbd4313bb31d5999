import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AuditDelivery, DeliveryOutcome } from '../audit/audit-delivery';
import type { AuditEvent } from '../audit/audit-event';
import type { Logger } from '../lib/logger';
import type { SalesforceAuth } from '../tenants/tenant-service';
import {
  SalesforceAuthError,
  openSession,
  type SalesforceSession,
  type UpstreamUrlCheck,
} from './auth';
import {
  AUDIT_EXTERNAL_ID_FIELD,
  AUDIT_OBJECT,
  inNamespace,
  packageName,
  toAuditRecord,
  type AuditRecord,
} from './audit-record';
import { jsforce } from './jsforce';

export const SALESFORCE_API_VERSION = '62.0';
/** sObject Collections take at most 200 records per call. */
export const MAX_RECORDS_PER_CALL = 200;

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

const upsertResponse = z.array(
  z.object({
    id: z.string().nullish(),
    success: z.boolean(),
    created: z.boolean().optional(),
    errors: z
      .array(
        z.object({
          statusCode: z.string(),
          message: z.string(),
          fields: z.array(z.string()).optional(),
        }),
      )
      .default([]),
  }),
);

interface CachedSession {
  fingerprint: string;
  session: Promise<SalesforceSession>;
  resolved?: SalesforceSession;
}

export interface SalesforceAuditClientOptions {
  credentials(orgId: string): Promise<SalesforceAuth | undefined>;
  /** The package namespace prefix in the tenant's org ('' for none), asked for every call. */
  namespace(orgId: string): Promise<string>;
  upstream: UpstreamUrlCheck;
  timeoutMs: number;
  now(): number;
  logger: Logger;
  apiVersion?: string;
}

/**
 * Writes audit records to each tenant's org with jsforce. One session per tenant is cached in
 * memory only (never stored, never logged) and renewed once when Salesforce says it expired.
 */
export class SalesforceAuditClient implements AuditDelivery<AuditRecord> {
  readonly maxRecordsPerCall = MAX_RECORDS_PER_CALL;
  private readonly sessions = new Map<string, CachedSession>();
  private readonly apiVersion: string;

  constructor(private readonly options: SalesforceAuditClientOptions) {
    this.apiVersion = options.apiVersion ?? SALESFORCE_API_VERSION;
  }

  toRecord(event: AuditEvent): AuditRecord {
    return toAuditRecord(event);
  }

  async upsertAuditRecords(orgId: string, records: AuditRecord[]): Promise<DeliveryOutcome[]> {
    if (records.length === 0) return [];
    if (records.length > MAX_RECORDS_PER_CALL)
      throw new Error(`at most ${MAX_RECORDS_PER_CALL} records per call, got ${records.length}`);
    const auth = await this.options.credentials(orgId);
    if (!auth) {
      throw new SalesforceCallError(
        'NO_SALESFORCE_CREDENTIAL',
        `Tenant ${orgId} has no Salesforce write-back credential; add one with tenants set --sf-auth.`,
      );
    }
    const namespace = await this.options.namespace(orgId);
    const session = await this.session(orgId, auth);
    try {
      return await this.send(session, records, namespace);
    } catch (error) {
      if (!isSessionExpired(error)) throw toCallError(error);
      // One renewal only: a second refusal means the credential itself no longer works.
      this.forget(orgId, session);
      this.options.logger.info({ orgId }, 'salesforce session expired; renewing once');
      const renewed = await this.session(orgId, auth);
      try {
        return await this.send(renewed, records, namespace);
      } catch (retryError) {
        if (isSessionExpired(retryError)) this.forget(orgId, renewed);
        throw toCallError(retryError);
      }
    }
  }

  private async session(orgId: string, auth: SalesforceAuth): Promise<SalesforceSession> {
    // A changed credential (new key, new org URL) must not keep using the old session.
    const fingerprint = createHash('sha256').update(JSON.stringify(auth)).digest('hex');
    const cached = this.sessions.get(orgId);
    if (cached && cached.fingerprint === fingerprint) return cached.session;
    const session = openSession(auth, {
      upstream: this.options.upstream,
      timeoutMs: this.options.timeoutMs,
      now: this.options.now,
    });
    const entry: CachedSession = { fingerprint, session };
    this.sessions.set(orgId, entry);
    session.then(
      (resolved) => (entry.resolved = resolved),
      // A failed login is not cached: the next batch tries again after its backoff.
      () => {
        if (this.sessions.get(orgId) === entry) this.sessions.delete(orgId);
      },
    );
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

  /** Drops the cached session if it is still the one that expired (not a newer renewal). */
  private forget(orgId: string, expired: SalesforceSession): void {
    if (this.sessions.get(orgId)?.resolved === expired) this.sessions.delete(orgId);
  }

  private async send(
    session: SalesforceSession,
    records: AuditRecord[],
    namespace: string,
  ): Promise<DeliveryOutcome[]> {
    await this.options.upstream.checkUrl(session.instanceUrl);
    const object = packageName(AUDIT_OBJECT, namespace);
    const externalId = packageName(AUDIT_EXTERNAL_ID_FIELD, namespace);
    const { Connection } = jsforce();
    const connection = new Connection({
      instanceUrl: session.instanceUrl,
      accessToken: session.accessToken,
      version: this.apiVersion,
    });
    const body = await connection.request(
      {
        method: 'PATCH',
        url: `/services/data/v${this.apiVersion}/composite/sobjects/${object}/${externalId}`,
        body: JSON.stringify({
          // Each record stands alone: one rejected value must not roll back the others.
          allOrNone: false,
          records: records.map((record) => ({
            attributes: { type: object },
            ...inNamespace(record, namespace),
          })),
        }),
        headers: { 'content-type': 'application/json' },
      },
      // PATCH is never retried by jsforce; redirects could lead past the upstream guard.
      { timeout: this.options.timeoutMs, followRedirect: false },
    );
    const parsed = upsertResponse.safeParse(body);
    if (!parsed.success || parsed.data.length !== records.length) {
      throw new SalesforceCallError(
        'UNEXPECTED_RESPONSE',
        `Salesforce answered the upsert with an unexpected body (${records.length} records sent).`,
      );
    }
    return parsed.data.map((result): DeliveryOutcome =>
      result.success && result.id
        ? { success: true, id: result.id, created: result.created ?? false }
        : {
            success: false,
            errors: result.errors.map((e) => ({
              statusCode: e.statusCode,
              message: e.message,
              fields: e.fields ?? [],
            })),
          },
    );
  }
}

function errorCode(error: unknown): string | undefined {
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

function isSessionExpired(error: unknown): boolean {
  const code = errorCode(error);
  return code === 'INVALID_SESSION_ID' || code === 'ERROR_HTTP_401';
}

function toCallError(error: unknown): SalesforceCallError {
  if (error instanceof SalesforceCallError) return error;
  const code = errorCode(error) ?? 'NETWORK_ERROR';
  // jsforce puts whole HTML pages into messages; keep the first line, and never more than 300.
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 300) : '';
  return new SalesforceCallError(code, message || code, { cause: error });
}
