import { z } from 'zod';
import type { AuditDelivery, DeliveryOutcome } from '../audit/audit-delivery';
import type { AuditEvent } from '../audit/audit-event';
import type { Logger } from '../lib/logger';
import type { SalesforceAuth } from '../tenants/tenant-service';
import type { SalesforceSession, UpstreamUrlCheck } from './auth';
import {
  AUDIT_EXTERNAL_ID_FIELD,
  AUDIT_OBJECT,
  inNamespace,
  packageName,
  toAuditRecord,
  type AuditRecord,
} from './audit-record';
import { jsforce } from './jsforce';
import { SalesforceCallError, SalesforceSessions, isSessionExpired, toCallError } from './sessions';

export { SalesforceCallError } from './sessions';

export const SALESFORCE_API_VERSION = '62.0';
/** sObject Collections take at most 200 records per call. */
export const MAX_RECORDS_PER_CALL = 200;

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

export interface SalesforceAuditClientOptions {
  credentials(orgId: string): Promise<SalesforceAuth | undefined>;
  /** The package namespace prefix in the tenant's org ('' for none), asked for every call. */
  namespace(orgId: string): Promise<string>;
  upstream: UpstreamUrlCheck;
  timeoutMs: number;
  now(): number;
  logger: Logger;
  apiVersion?: string;
  /** The tenants' sessions, shared with the files reader; its own when absent. */
  sessions?: SalesforceSessions;
}

/**
 * Writes audit records to each tenant's org with jsforce. One session per tenant is cached in
 * memory only (never stored, never logged) and renewed once when Salesforce says it expired.
 */
export class SalesforceAuditClient implements AuditDelivery<AuditRecord> {
  readonly maxRecordsPerCall = MAX_RECORDS_PER_CALL;
  private readonly sessions: SalesforceSessions;
  private readonly apiVersion: string;

  constructor(private readonly options: SalesforceAuditClientOptions) {
    this.apiVersion = options.apiVersion ?? SALESFORCE_API_VERSION;
    this.sessions = options.sessions ?? new SalesforceSessions(options);
  }

  toRecord(event: AuditEvent): AuditRecord {
    return toAuditRecord(event);
  }

  async upsertAuditRecords(orgId: string, records: AuditRecord[]): Promise<DeliveryOutcome[]> {
    if (records.length === 0) return [];
    if (records.length > MAX_RECORDS_PER_CALL)
      throw new Error(`at most ${MAX_RECORDS_PER_CALL} records per call, got ${records.length}`);
    const namespace = await this.options.namespace(orgId);
    const session = await this.sessions.sessionFor(orgId);
    try {
      return await this.send(session, records, namespace);
    } catch (error) {
      if (!isSessionExpired(error)) throw toCallError(error);
      // One renewal only: a second refusal means the credential itself no longer works.
      this.sessions.forget(orgId, session);
      this.options.logger.info({ orgId }, 'salesforce session expired; renewing once');
      const renewed = await this.sessions.sessionFor(orgId);
      try {
        return await this.send(renewed, records, namespace);
      } catch (retryError) {
        if (isSessionExpired(retryError)) this.sessions.forget(orgId, renewed);
        throw toCallError(retryError);
      }
    }
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
