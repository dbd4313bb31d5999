import type { Logger } from 'pino';
import type { AuditEvent } from '../audit/audit-event';
import { browseUrl } from '../jira/endpoints/issues';
import { upsertRemoteLink } from '../jira/endpoints/remote-links';
import { createIssue } from '../jira/endpoints/issue-create';
import type { JiraClient } from '../jira/jira-client';
import { wasNeverSent } from '../jira/transport';
import { AppError, type ErrorCode } from '../lib/errors';
import type { Db, Store } from '../store/store';
import { assertNoProblems } from '../templates/render-template';
import type { AuditNote, AuditRecorder, OperationCaller } from '../audit/audit-recorder';
import { requestFingerprint, type IdempotencyStore, type IdempotentStart } from './idempotency';
import {
  checkFiles,
  filesSentLines,
  sendFiles,
  type AttachmentResult,
  type RecordFilesSource,
} from './attachments';
import {
  draftIssue,
  parseIssueRequest,
  remoteLinkOf,
  type DraftDeps,
  type IssueRequestBody,
} from './preview';

/**
 * Create one Jira issue from a template and a record, exactly once per Idempotency-Key.
 *
 * What happens to the key depends on what Jira may have seen:
 * - refused before sending, or refused by Jira with a 4xx (nothing was created): the key is
 *   released, so the same request may simply be retried;
 * - created: the answer is stored with the audit event in one transaction and replayed to
 *   every retry with the same body;
 * - unknown (the connection broke or timed out after the request left, Jira answered 5xx,
 *   or its success answer was unreadable): the issue may exist. Releasing the key would let
 *   a retry create a second issue, so the key is closed with an "outcome unknown" answer
 *   that every retry under it receives. A person checks Jira and, if needed, creates again
 *   with a new key. Duplicates are worse than one extra click.
 *
 * Files the request names are checked (template policy, the org's metadata) before anything
 * is sent, like the template; they are streamed to the issue after it exists, and the stored
 * answer says per file what happened, so a replay sends none of them again.
 */

export const CREATE_SCOPE = 'issues.create';

export interface CreateDeps extends DraftDeps {
  store: Store;
  idempotency: IdempotencyStore;
  auditRecorder: AuditRecorder;
  logger: Logger;
  /** The tenant's org, for the files a create names; without it, files are refused. */
  salesforceFiles?: RecordFilesSource;
}

export interface IssueRef {
  key: string;
  id: string;
  /** The https page of the issue; null when the Jira site is not https (see browseUrl). */
  url: string | null;
}

export interface CreateIssueResult {
  issue: IssueRef;
  fieldsSent: string[];
  remoteLink: boolean;
  /** Things that went wrong after the issue was created (the remote link). */
  warnings?: string[];
  /** Per file named in the request: attached, or why not. Absent when none was named. */
  attachments?: AttachmentResult[];
}

export interface OperationAnswer<T> {
  status: number;
  body: T;
  /** True when the answer is the stored answer of an earlier request with the same key. */
  replayed: boolean;
}

/** Errors raised before any request left for Jira, whatever their status. */
const NEVER_SENT: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'SCOPE_MISSING',
  'CONNECTION_NOT_FOUND',
  'CONNECTION_NEEDS_REAUTH',
  'JIRA_USER_NOT_CONNECTED',
  'UPSTREAM_HOST_FORBIDDEN',
  'SERVICE_UNAVAILABLE',
  'VALIDATION_FAILED',
  'TEMPLATE_INVALID',
  'TEMPLATE_DATA_MISSING',
  'TEMPLATE_DATA_UNMAPPED',
]);

/**
 * True when a failed write certainly created nothing in Jira: it never left, or Jira answered
 * with a 4xx (Jira validates before it writes, and a 429 is refused unprocessed).
 */
export function certainlyNotCreated(error: unknown): boolean {
  if (!(error instanceof AppError)) return false;
  if (NEVER_SENT.has(error.code)) return true;
  if (error.jiraStatus !== undefined) return error.jiraStatus >= 400 && error.jiraStatus < 500;
  // The transport's own pause for a rate limit refuses before sending.
  if (error.code === 'JIRA_RATE_LIMITED') return true;
  return wasNeverSent(error);
}

/** The answer stored under a key whose create may or may not have happened. */
export function outcomeUnknown(cause: unknown, what: string): AppError {
  const reason = cause instanceof AppError ? cause.detail : 'the relay lost track of the call';
  return new AppError(
    'JIRA_UNAVAILABLE',
    `Jira did not confirm ${what} (${reason.slice(0, 200)}). It may have been created: check Jira before trying again, and use a new Idempotency-Key if it was not. This key keeps this answer so a retry cannot create a duplicate.`,
    {
      status: 502,
      extra: { outcomeUnknown: true },
      ...(cause instanceof AppError && cause.jiraStatus !== undefined
        ? { jiraStatus: cause.jiraStatus }
        : {}),
    },
  );
}

interface StoredProblem {
  problem: { code: ErrorCode; detail: string; status: number; extra?: Record<string, unknown> };
}

/** How a stored error answer is kept: without the request id, which belongs to each replay. */
function storedProblem(error: AppError): StoredProblem {
  return {
    problem: {
      code: error.code,
      detail: error.detail,
      status: error.status,
      ...(error.extra ? { extra: error.extra } : {}),
    },
  };
}

/** Replays a stored answer: a stored error is thrown again as the same problem. */
export function replay<T>(response: { status: number; body: unknown }): OperationAnswer<T> {
  if (response.status >= 400) {
    const { problem } = response.body as StoredProblem;
    throw new AppError(problem.code, problem.detail, {
      status: problem.status,
      extra: { ...problem.extra, replayed: true },
    });
  }
  return { status: response.status, body: response.body as T, replayed: true };
}

/** Reads what an audit event may say about a request before it is validated. */
export function noteOfBody(body: { template?: unknown; record?: unknown }): AuditNote {
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const template = (body.template ?? {}) as Record<string, unknown>;
  const record = (body.record ?? {}) as Record<string, unknown>;
  return {
    connection: text(template.connection),
    templateId: text(template.id),
    recordId: text(record.id),
  };
}

/** Commits audit events (and the key's fate) together; a store failure is logged. */
export async function commitOutcome(
  deps: Pick<CreateDeps, 'store' | 'auditRecorder' | 'logger'>,
  events: AuditEvent[],
  keyWork?: (tx: Db) => Promise<void>,
): Promise<boolean> {
  const commit = () =>
    deps.store.transaction(async (tx) => {
      if (keyWork) await keyWork(tx);
      for (const event of events) await deps.auditRecorder.record(event, tx);
    });
  try {
    await commit();
    return true;
  } catch (error) {
    // Jira has changed already: a store that is only briefly away gets the outcome later.
    if (deps.auditRecorder.retryWhenStoreIsBack(error, events, commit)) return true;
    deps.logger.error(
      { err: error, requestIds: events.map((e) => e.requestId) },
      'could not commit the outcome of a create and its audit event',
    );
    return false;
  }
}

/** The idempotency key of one request: org, scope and the caller's key. */
export type KeyArgs = readonly [orgId: string, scope: string, key: string];

/** Closes the key with an "outcome unknown" answer, committed together with `events`. */
export async function closeKeyUnknown(
  deps: Pick<CreateDeps, 'store' | 'auditRecorder' | 'logger' | 'idempotency'>,
  keyArgs: KeyArgs,
  unknown: AppError,
  events: AuditEvent[],
): Promise<void> {
  await commitOutcome(deps, events, (tx) =>
    deps.idempotency.complete(
      ...keyArgs,
      { status: unknown.status, body: storedProblem(unknown) },
      tx,
    ),
  );
}

export class IssueCreator {
  constructor(private readonly deps: CreateDeps) {}

  async create(
    caller: OperationCaller,
    idempotencyKey: string,
    body: IssueRequestBody,
  ): Promise<OperationAnswer<CreateIssueResult>> {
    const { deps } = this;
    const startedAt = deps.clock.now();
    const note: AuditNote = noteOfBody(body);
    const eventOf = (error?: unknown) =>
      deps.auditRecorder.event(caller, 'Create', note, startedAt, error);
    const keyArgs: KeyArgs = [caller.orgId, CREATE_SCOPE, idempotencyKey];

    let start: IdempotentStart;
    try {
      start = await deps.idempotency.begin(...keyArgs, requestFingerprint(body));
    } catch (error) {
      // Conflict or in flight: refused before anything else; the first request's event stands.
      await deps.auditRecorder.record(eventOf(error));
      throw error;
    }
    // The first answer was audited when it was made; a replay changes nothing in Jira.
    if (start.kind === 'replay') return replay<CreateIssueResult>(start.response);
    if (start.kind === 'abandoned') {
      // An earlier attempt died after it may have reached Jira: do not create a second issue.
      const unknown = outcomeUnknown(undefined, 'whether an earlier attempt created the issue');
      await closeKeyUnknown(deps, keyArgs, unknown, [eventOf(unknown)]);
      throw unknown;
    }

    // Renewed while this attempt runs (a large file can take minutes), so only a crashed
    // attempt's key is ever taken over.
    return deps.idempotency.holdWhile(...keyArgs, async () => {
      let client: JiraClient | undefined;
      let projectKey: string | undefined;
      let posted = false;
      try {
        const parsed = parseIssueRequest(body);
        const files = await checkFiles(
          deps.salesforceFiles,
          { orgId: caller.orgId, recordId: parsed.record.id, files: body.files },
          parsed.template.attachments,
          parsed.template.name,
        );
        // The issue is created as the acting user's own Jira account where the connection says so.
        const draft = await draftIssue(deps, caller.orgId, body, parsed, caller);
        client = draft.client;
        note.identity = draft.client.identity;
        projectKey = draft.template.projectKey;
        note.fieldsSent = draft.rendered.fieldsSent;
        assertNoProblems(draft.rendered);

        posted = true;
        const created = await createIssue(draft.client, draft.rendered.payload);
        note.issueKey = created.key;
        note.jiraStatus = 201;

        const result: CreateIssueResult = {
          issue: {
            key: created.key,
            id: created.id,
            url: browseUrl(draft.client.siteUrl, created.key),
          },
          fieldsSent: draft.rendered.fieldsSent,
          remoteLink: false,
        };
        if (draft.template.remoteLink) {
          try {
            await upsertRemoteLink(draft.client, created.key, remoteLinkOf(caller.orgId, draft));
            result.remoteLink = true;
          } catch (error) {
            // The issue exists; failing the create now would invite a duplicate. Say so instead.
            deps.logger.warn(
              { err: error, requestId: caller.requestId, issueKey: created.key },
              'remote link after create failed',
            );
            result.warnings = [
              `The issue was created, but the link back to the record could not be added (${
                error instanceof AppError ? error.code : 'INTERNAL'
              }). Link it again from the record.`,
            ];
          }
        }
        if (files.length > 0) {
          result.attachments = await sendFiles(
            deps.salesforceFiles,
            draft.client,
            { orgId: caller.orgId, issueKey: created.key },
            files,
            deps.logger,
          );
          note.filesSent = filesSentLines(result.attachments);
        }
        const committed = await commitOutcome(deps, [eventOf()], (tx) =>
          deps.idempotency.complete(...keyArgs, { status: 201, body: result }, tx),
        );
        if (!committed) {
          // The issue exists and the caller must learn its key; the key stays in flight and
          // only a lease expiry (minutes, logged above) could let a retry through.
          deps.logger.error(
            { requestId: caller.requestId, issueKey: created.key },
            'issue created but its idempotency record was not completed',
          );
        }
        return { status: 201, body: result, replayed: false };
      } catch (error) {
        if (!posted || certainlyNotCreated(error)) {
          // A 400 about fields means the cached create screen is out of date.
          if (client && projectKey && error instanceof AppError && error.jiraStatus === 400)
            deps.createMeta.invalidate(client, projectKey);
          await commitOutcome(deps, [eventOf(error)], (tx) =>
            deps.idempotency.release(...keyArgs, tx),
          );
          throw error;
        }
        const unknown = outcomeUnknown(error, 'whether the issue was created');
        await closeKeyUnknown(deps, keyArgs, unknown, [eventOf(unknown)]);
        deps.logger.error(
          { err: error, requestId: caller.requestId, idempotencyKey },
          'create outcome unknown; key closed so no retry can duplicate the issue',
        );
        throw unknown;
      }
    });
  }
}
