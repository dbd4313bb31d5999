import type { Logger } from 'pino';
import type { AuditEvent, AuditOperation, AuditOutcome, AuditSink } from './audit-event';
import { AppError, type ErrorCode } from '../lib/errors';
import type { Clock } from '../lib/clock';
import type { Db } from '../store/store';
import type { StoreRetry } from '../store/store-retry';

/** Who asked, as verified by the signature check. */
export interface OperationCaller {
  orgId: string;
  /** Salesforce user id, or "-" for automation. */
  userId: string;
  requestId: string;
}

/** Who asked, before the request has an id: the verified tenant and Salesforce user. */
export type RelayCaller = Pick<OperationCaller, 'orgId' | 'userId'>;

/** What an operation learns as it runs, for its audit event (ids and names only, never values). */
export interface AuditNote {
  recordId?: string | null;
  issueKey?: string | null;
  connection?: string | null;
  templateId?: string | null;
  fieldsSent?: string[];
  /** Files sent to Jira: `name (size bytes): attached` or `…: failed CODE`. */
  filesSent?: string[];
  jiraStatus?: number | null;
  /** Whose Jira account acted: the user's own grant, or the connection's (issue #16). */
  identity?: 'user' | 'service' | null;
}

// Refusals by policy (the caller may not do this), as opposed to failures (it went wrong).
const DENIED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'TRANSITION_NOT_ALLOWED',
  'COMMENTS_NOT_ALLOWED',
  'SCOPE_MISSING',
  'JIRA_FORBIDDEN',
  'TEMPLATE_DATA_UNMAPPED',
  'CONNECTION_NEEDS_REAUTH',
  'JIRA_USER_NOT_CONNECTED',
]);

const ERROR_MESSAGE_LIMIT = 255;

export function outcomeOf(error: unknown): {
  outcome: AuditOutcome;
  errorCode: string;
  errorMessage: string;
  jiraStatus?: number;
} {
  if (error instanceof AppError) {
    return {
      outcome: DENIED.has(error.code) ? 'Denied' : 'Failed',
      errorCode: error.code,
      errorMessage: error.detail.slice(0, ERROR_MESSAGE_LIMIT),
      ...(error.jiraStatus !== undefined ? { jiraStatus: error.jiraStatus } : {}),
    };
  }
  // Unexpected errors may carry anything in their message; the event says only that it failed.
  return {
    outcome: 'Failed',
    errorCode: 'INTERNAL',
    errorMessage: 'The relay failed to handle this request.',
  };
}

/**
 * Builds and records one audit event per operation. `run` covers the common case; operations
 * that must commit the event together with their own outcome (create, with its idempotency
 * record) call `event` and hand it to the sink inside their transaction.
 */
export class AuditRecorder {
  constructor(
    private readonly sink: AuditSink,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Keeps events whose write failed while the store was unreachable; none: they are lost. */
    private readonly storeRetry?: StoreRetry,
  ) {}

  /** Times `work`, then records Success or the error's outcome, and returns or rethrows. */
  async run<T>(
    caller: OperationCaller,
    operation: AuditOperation,
    note: AuditNote,
    work: (note: AuditNote) => Promise<T>,
  ): Promise<T> {
    const started = this.clock.now();
    try {
      const result = await work(note);
      await this.record(this.event(caller, operation, note, started));
      return result;
    } catch (error) {
      await this.record(this.event(caller, operation, note, started, error));
      throw error;
    }
  }

  event(
    caller: OperationCaller,
    operation: AuditOperation,
    note: AuditNote,
    startedAt: number,
    error?: unknown,
    requestIdSuffix?: string,
  ): AuditEvent {
    const failure = error === undefined ? undefined : outcomeOf(error);
    return {
      requestId: requestIdSuffix ? `${caller.requestId}:${requestIdSuffix}` : caller.requestId,
      orgId: caller.orgId,
      operation,
      outcome: failure?.outcome ?? 'Success',
      actingUserId: caller.userId === '-' ? null : caller.userId,
      recordId: note.recordId ?? null,
      issueKey: note.issueKey ?? null,
      connection: note.connection ?? null,
      templateId: note.templateId ?? null,
      fieldsSent: note.fieldsSent ?? [],
      ...(note.filesSent?.length ? { filesSent: note.filesSent } : {}),
      errorCode: failure?.errorCode ?? null,
      errorMessage: failure?.errorMessage ?? null,
      jiraStatus: note.jiraStatus ?? failure?.jiraStatus ?? null,
      identity: note.identity ?? null,
      durationMs: Math.max(0, this.clock.now() - startedAt),
      occurredAt: new Date(startedAt).toISOString(),
    };
  }

  /**
   * Hands the event to the sink. A sink failure is logged, never thrown: the Jira change has
   * already happened and the caller must learn its result.
   */
  async record(event: AuditEvent, tx?: Db): Promise<void> {
    if (tx) {
      await this.sink.record(event, tx);
      return;
    }
    try {
      await this.sink.record(event);
    } catch (error) {
      if (this.retryWhenStoreIsBack(error, [event], () => this.sink.record(event))) return;
      this.logger.error(
        { err: error, requestId: event.requestId, operation: event.operation },
        'audit event could not be queued',
      );
    }
  }

  /**
   * After `commit` (which stores `events`, with whatever goes in the same transaction) failed
   * with `error`: when the store was unreachable, commits it again once the store is back,
   * unless the first commit did happen (its first event is stored). Answers whether it will.
   */
  retryWhenStoreIsBack(error: unknown, events: AuditEvent[], commit: () => Promise<void>): boolean {
    const [first] = events;
    if (!this.storeRetry || !first) return false;
    const retried = this.storeRetry.retryLater(
      error,
      `audit event ${first.requestId}`,
      async () => {
        if (await this.sink.has?.(first)) return;
        await commit();
      },
    );
    if (retried)
      this.logger.warn(
        { requestId: first.requestId, operation: first.operation },
        'store unreachable: the audit event is written when it is back',
      );
    return retried;
  }
}
