import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AuditEvent } from '../audit/audit-event';
import { BULK_CREATE_LIMIT, createIssues } from '../jira/endpoints/issue-create';
import { browseUrl } from '../jira/endpoints/issues';
import { upsertRemoteLink } from '../jira/endpoints/remote-links';
import { AppError, toProblem, type Problem } from '../lib/errors';
import { assertDataMinimised } from '../templates/data-minimisation';
import { assertNoProblems } from '../templates/render-template';
import { parseRecord, parseTemplate, type RecordData } from '../templates/template-schema';
import type { AuditNote, OperationCaller } from '../audit/audit-recorder';
import {
  certainlyNotCreated,
  closeKeyUnknown,
  commitOutcome,
  noteOfBody,
  outcomeUnknown,
  replay,
  type CreateDeps,
  type IssueRef,
  type KeyArgs,
  type OperationAnswer,
} from './create';
import { requestFingerprint, type IdempotentStart } from './idempotency';
import {
  issueUserSchema,
  mergeUserOf,
  remoteLinkOf,
  renderDraft,
  targetOf,
  type IssueDraft,
} from './preview';

/**
 * Create issues for up to 50 records of one template in a single Jira bulk call. Records that
 * fail their own checks (record data, data minimisation, field problems) are reported per
 * record and never sent; the others go in one call, and Jira's per-issue errors come back per
 * record too. The Idempotency-Key covers the whole batch, with the same rules as create.
 */

export const BULK_SCOPE = 'issues.bulk';

export const bulkRequestBody = z.object({
  template: z.record(z.string(), z.unknown()),
  records: z.array(z.record(z.string(), z.unknown())).min(1).max(BULK_CREATE_LIMIT),
  user: issueUserSchema,
});
export type BulkRequestBody = z.output<typeof bulkRequestBody>;

export type BulkResult =
  | { recordId: string | null; issue: IssueRef; fieldsSent: string[]; remoteLink: boolean }
  | { recordId: string | null; problem: Problem };

export interface BulkCreateResult {
  results: BulkResult[];
}

const MAX_REQUEST_ID = 64;

/**
 * The per-record request id `<requestId>:<n>`. A caller-chosen request id may already use all
 * 64 characters the audit object allows; it is then shortened to a hash so every record's
 * event stays unique and within the limit.
 */
export function recordRequestBase(requestId: string, count: number): string {
  const suffixLength = `:${count - 1}`.length;
  if (requestId.length + suffixLength <= MAX_REQUEST_ID) return requestId;
  return createHash('sha256').update(requestId).digest('hex').slice(0, 40);
}

interface Slot {
  index: number;
  recordId: string | null;
  note: AuditNote;
  record?: RecordData;
  draft?: IssueDraft;
  error?: unknown;
  issue?: IssueRef;
  remoteLink?: boolean;
}

export class BulkIssueCreator {
  constructor(private readonly deps: CreateDeps) {}

  async create(
    caller: OperationCaller,
    idempotencyKey: string,
    body: BulkRequestBody,
  ): Promise<OperationAnswer<BulkCreateResult>> {
    const { deps } = this;
    const startedAt = deps.clock.now();
    const base = recordRequestBase(caller.requestId, body.records.length);
    const recordCaller = { ...caller, requestId: base };
    const slots: Slot[] = body.records.map((record, index) => {
      const note = noteOfBody({ template: body.template, record });
      return { index, recordId: note.recordId ?? null, note };
    });
    const eventOf = (slot: Slot, error?: unknown): AuditEvent =>
      deps.auditRecorder.event(
        recordCaller,
        'BulkCreate',
        slot.note,
        startedAt,
        error ?? slot.error,
        String(slot.index),
      );
    const keyArgs: KeyArgs = [caller.orgId, BULK_SCOPE, idempotencyKey];

    let start: IdempotentStart;
    try {
      start = await deps.idempotency.begin(...keyArgs, requestFingerprint(body));
    } catch (error) {
      await commitOutcome(
        deps,
        slots.map((slot) => eventOf(slot, error)),
      );
      throw error;
    }
    if (start.kind === 'replay') return replay<BulkCreateResult>(start.response);
    if (start.kind === 'abandoned') {
      // An earlier attempt died after it may have reached Jira: do not create the batch again.
      const unknown = outcomeUnknown(undefined, 'which issues an earlier attempt created');
      await closeKeyUnknown(
        deps,
        keyArgs,
        unknown,
        slots.map((slot) => eventOf(slot, unknown)),
      );
      throw unknown;
    }

    // Renewed while the batch runs, so only a crashed attempt's key is ever taken over.
    return deps.idempotency.holdWhile(...keyArgs, async () => {
      let posted = false;
      try {
        const template = parseTemplate(body.template);
        const user = mergeUserOf(body.user);
        // Each record's own checks first: a refused record costs no Jira call.
        const accepted: (Slot & { record: RecordData })[] = [];
        for (const slot of slots) {
          try {
            const record = parseRecord(body.records[slot.index], `records.${slot.index}`);
            assertDataMinimised(template, record);
            accepted.push(Object.assign(slot, { record }));
          } catch (error) {
            if (!(error instanceof AppError)) throw error;
            slot.error = error;
          }
        }

        const sendable: (Slot & { draft: IssueDraft })[] = [];
        if (accepted.length > 0) {
          const target = await targetOf(deps, caller.orgId, template);
          for (const slot of accepted) {
            const draft = renderDraft(deps, caller.orgId, target, slot.record, user);
            slot.draft = draft;
            slot.note.fieldsSent = draft.rendered.fieldsSent;
            try {
              assertNoProblems(draft.rendered);
              sendable.push(Object.assign(slot, { draft }));
            } catch (error) {
              if (!(error instanceof AppError)) throw error;
              slot.error = error;
            }
          }
        }

        const client = sendable[0]?.draft.client;
        if (client) {
          posted = true;
          // `posted` stays true: from here on Jira may hold issues of this batch, so a failure
          // further on must close the key as unknown, never release it for a duplicating retry.
          const outcomes = await createIssues(
            client,
            sendable.map((slot) => slot.draft.rendered.payload),
          );
          let staleFields = false;
          sendable.forEach((slot, i) => {
            const outcome = outcomes[i];
            if (!outcome) return;
            if (outcome.ok) {
              slot.issue = { ...outcome.issue, url: browseUrl(client.siteUrl, outcome.issue.key) };
              slot.note.issueKey = outcome.issue.key;
              slot.note.jiraStatus = 201;
            } else {
              slot.error = outcome.error;
              if (outcome.error.jiraStatus === 400) staleFields = true;
            }
          });
          if (staleFields) deps.createMeta.invalidate(client, template.projectKey);
          if (template.remoteLink) await this.linkBack(caller, sendable);
        }

        const result: BulkCreateResult = {
          results: slots.map((slot): BulkResult => {
            if (slot.issue) {
              return {
                recordId: slot.recordId,
                issue: slot.issue,
                fieldsSent: slot.note.fieldsSent ?? [],
                remoteLink: slot.remoteLink ?? false,
              };
            }
            const error =
              slot.error instanceof AppError
                ? slot.error
                : new AppError('INTERNAL', 'The record could not be created.');
            return {
              recordId: slot.recordId,
              problem: toProblem(error, `${base}:${slot.index}`),
            };
          }),
        };
        const events = slots.map((slot) => eventOf(slot));
        if (sendable.length === 0) {
          // Nothing reached Jira: the same batch may be sent again once the records are fixed.
          await commitOutcome(deps, events, (tx) => deps.idempotency.release(...keyArgs, tx));
        } else {
          await commitOutcome(deps, events, (tx) =>
            deps.idempotency.complete(...keyArgs, { status: 200, body: result }, tx),
          );
        }
        return { status: 200, body: result, replayed: false };
      } catch (error) {
        if (!posted || certainlyNotCreated(error)) {
          await commitOutcome(
            deps,
            slots.map((slot) => eventOf(slot, error)),
            (tx) => deps.idempotency.release(...keyArgs, tx),
          );
          throw error;
        }
        const unknown = outcomeUnknown(error, 'which issues of the batch were created');
        await closeKeyUnknown(
          deps,
          keyArgs,
          unknown,
          slots.map((slot) => eventOf(slot, unknown)),
        );
        deps.logger.error(
          { err: error, requestId: caller.requestId, idempotencyKey },
          'bulk create outcome unknown; key closed so no retry can duplicate issues',
        );
        throw unknown;
      }
    });
  }

  /** Adds the remote links of the created issues; a failure leaves that record's flag false. */
  private async linkBack(caller: OperationCaller, slots: Slot[]): Promise<void> {
    await Promise.all(
      slots.map(async (slot) => {
        if (!slot.issue || !slot.draft) return;
        try {
          await upsertRemoteLink(
            slot.draft.client,
            slot.issue.key,
            remoteLinkOf(caller.orgId, slot.draft),
          );
          slot.remoteLink = true;
        } catch (error) {
          this.deps.logger.warn(
            { err: error, requestId: caller.requestId, issueKey: slot.issue.key },
            'remote link after bulk create failed',
          );
          slot.remoteLink = false;
        }
      }),
    );
  }
}
