import { request as undiciRequest, type Dispatcher } from 'undici';
import { z } from 'zod';
import type { Logger } from '../lib/logger';
import type { UpstreamGuard } from '../lib/upstream-guard';
import { SALESFORCE_API_VERSION } from './audit-client';
import type { SalesforceSession } from './auth';
import {
  SalesforceCallError,
  isSessionExpired,
  salesforceErrorCode,
  toCallError,
  type SalesforceSessions,
} from './sessions';

/**
 * Reads files of a tenant's org on its write-back credential: what they are (one SOQL query on
 * ContentVersion, one on ContentDocumentLink), and their bytes (`VersionData`), handed on as a
 * stream so no file is ever held in memory whole. Every call goes through the upstream guard's
 * agent: the instance URL comes from a token answer, and DNS may change under it.
 */

/** One file a request names, as Salesforce describes it. */
export interface SalesforceFile {
  /** The ContentVersion id as Salesforce answers it (18 characters). */
  id: string;
  title: string;
  /** Lower case, without the dot; '' when Salesforce knows none. */
  extension: string;
  size: number;
  contentDocumentId: string;
  /** Whether the file's document is linked to the record the request is about. */
  linkedToRecord: boolean;
}

/** Salesforce did not hand over a file's bytes. `status` is its HTTP status; 0: no answer. */
export class FileFetchError extends Error {
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'FileFetchError';
  }

  /** Worth one more request: Salesforce failed (5xx) or the connection broke. */
  get transient(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

const queryAnswer = z.object({
  done: z.boolean(),
  records: z.array(z.record(z.string(), z.unknown())),
});

const contentVersion = z.object({
  Id: z.string(),
  Title: z.string().nullish(),
  FileExtension: z.string().nullish(),
  ContentSize: z.number().int().nonnegative(),
  ContentDocumentId: z.string(),
});

const documentLink = z.object({ ContentDocumentId: z.string() });

/** Ids are compared by their case-sensitive 15-character form (18-character ids add a checksum). */
export const id15 = (id: string) => id.slice(0, 15);

export interface SalesforceFilesOptions {
  sessions: SalesforceSessions;
  guard: UpstreamGuard;
  timeoutMs: number;
  connectTimeoutMs: number;
  logger: Logger;
  apiVersion?: string;
}

export class SalesforceFiles {
  private readonly dispatcher: Dispatcher;
  private readonly apiVersion: string;

  constructor(private readonly options: SalesforceFilesOptions) {
    this.apiVersion = options.apiVersion ?? SALESFORCE_API_VERSION;
    this.dispatcher = options.guard.agent({
      connectTimeoutMs: options.connectTimeoutMs,
      connections: 16,
    });
  }

  /**
   * The named ContentVersions (ids the query does not find are simply absent) and whether each
   * is linked to `recordId`. SalesforceCallError when the org cannot be read.
   */
  async describe(orgId: string, recordId: string, ids: string[]): Promise<SalesforceFile[]> {
    if (ids.length === 0) return [];
    return this.withSession(orgId, async (session) => {
      // Ids passed the contract's pattern (letters and digits only): safe inside quotes.
      const versions = (
        await this.query(
          session,
          `SELECT Id, Title, FileExtension, ContentSize, ContentDocumentId FROM ContentVersion WHERE Id IN (${quoted(ids)})`,
        )
      ).map((row) => contentVersion.parse(row));
      if (versions.length === 0) return [];
      const documents = [...new Set(versions.map((v) => v.ContentDocumentId))];
      const linked = new Set(
        (
          await this.query(
            session,
            `SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '${recordId}' AND ContentDocumentId IN (${quoted(documents)})`,
          )
        ).map((row) => id15(documentLink.parse(row).ContentDocumentId)),
      );
      return versions.map((v) => ({
        id: v.Id,
        title: v.Title ?? '',
        extension: (v.FileExtension ?? '').toLowerCase(),
        size: v.ContentSize,
        contentDocumentId: v.ContentDocumentId,
        linkedToRecord: linked.has(id15(v.ContentDocumentId)),
      }));
    });
  }

  /**
   * The bytes of one ContentVersion as a stream (read it to the end or destroy it).
   * FileFetchError when Salesforce does not answer 200; SalesforceCallError when it cannot be
   * signed in to.
   */
  async open(orgId: string, contentVersionId: string): Promise<AsyncIterable<Uint8Array>> {
    return this.withSession(orgId, async (session) => {
      const path = `/services/data/v${this.apiVersion}/sobjects/ContentVersion/${contentVersionId}/VersionData`;
      let answer: Dispatcher.ResponseData;
      try {
        answer = await this.get(session, path);
      } catch (error) {
        if (error instanceof SalesforceCallError) throw error;
        throw new FileFetchError(0, `no answer from Salesforce (${codeOf(error)})`, {
          cause: error,
        });
      }
      if (answer.statusCode === 200) return answer.body;
      const text = await answer.body.text().catch(() => '');
      const code = salesforceCodeIn(text);
      if (answer.statusCode === 401 && code === 'INVALID_SESSION_ID')
        throw Object.assign(new Error('session expired'), { errorCode: code });
      throw new FileFetchError(
        answer.statusCode,
        `Salesforce could not serve the file (HTTP ${answer.statusCode}${code ? ` ${code}` : ''})`,
      );
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.destroy().catch(() => undefined);
  }

  /** Runs `work` on the tenant's session, renewing it once when Salesforce says it expired. */
  private async withSession<T>(
    orgId: string,
    work: (session: SalesforceSession) => Promise<T>,
  ): Promise<T> {
    const { sessions } = this.options;
    const session = await sessions.sessionFor(orgId);
    try {
      return await work(session);
    } catch (error) {
      if (!isSessionExpired(error)) throw error;
      sessions.forget(orgId, session);
      this.options.logger.info({ orgId }, 'salesforce session expired; renewing once');
      const renewed = await sessions.sessionFor(orgId);
      try {
        return await work(renewed);
      } catch (retryError) {
        if (isSessionExpired(retryError)) {
          sessions.forget(orgId, renewed);
          throw toCallError(retryError);
        }
        throw retryError;
      }
    }
  }

  private async query(
    session: SalesforceSession,
    soql: string,
  ): Promise<Record<string, unknown>[]> {
    const path = `/services/data/v${this.apiVersion}/query?q=${encodeURIComponent(soql)}`;
    let answer: Dispatcher.ResponseData;
    try {
      answer = await this.get(session, path);
    } catch (error) {
      throw toCallError(error);
    }
    const text = await answer.body.text().catch(() => '');
    if (answer.statusCode !== 200) {
      const code = salesforceCodeIn(text) ?? `ERROR_HTTP_${answer.statusCode}`;
      if (code === 'INVALID_SESSION_ID')
        throw Object.assign(new Error('session expired'), { errorCode: code });
      throw new SalesforceCallError(
        code,
        `Salesforce refused the query (HTTP ${answer.statusCode} ${code}).`,
      );
    }
    const parsed = queryAnswer.safeParse(safeJson(text));
    // At most ten files are named: one batch always holds them all.
    if (!parsed.success || !parsed.data.done)
      throw new SalesforceCallError(
        'UNEXPECTED_RESPONSE',
        'Salesforce answered the query in an unexpected shape.',
      );
    return parsed.data.records;
  }

  private async get(session: SalesforceSession, path: string): Promise<Dispatcher.ResponseData> {
    await this.options.guard.checkUrl(session.instanceUrl);
    const { timeoutMs } = this.options;
    return undiciRequest(`${session.instanceUrl}${path}`, {
      method: 'GET',
      headers: { authorization: `Bearer ${session.accessToken}`, accept: 'application/json' },
      dispatcher: this.dispatcher,
      // undici's request follows no redirect (one could lead past the upstream guard). Both
      // timeouts bound waiting, not the transfer: a large file takes long while bytes come.
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }
}

function quoted(ids: string[]): string {
  return ids.map((id) => `'${id}'`).join(', ');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Salesforce's `[{ errorCode, message }]` error body's first code. */
function salesforceCodeIn(text: string): string | undefined {
  const body = safeJson(text);
  const first = Array.isArray(body) ? (body[0] as { errorCode?: unknown } | undefined) : undefined;
  return typeof first?.errorCode === 'string' ? first.errorCode : undefined;
}

function codeOf(error: unknown): string {
  return salesforceErrorCode(error) ?? 'network error';
}
