import { z } from 'zod';
import type { AppError } from '../../lib/errors';
import type { JsonValue } from '../../lib/json-value';
import type { JiraApi } from '../jira-client';
import { jiraError, jiraUnavailable } from '../jira-errors';
import { parseJira } from './parse';

/**
 * Issue creation: one issue (`POST {api}/issue`) or many in one call (`POST {api}/issue/bulk`).
 * Both are non-idempotent: the transport never repeats them once they may have reached Jira;
 * the create operation's Idempotency-Key handling decides what a retry may do.
 */

const WRITE_SCOPES = ['write:jira-work'] as const;

/** Jira's bulk create takes at most 50 issues per call. */
export const BULK_CREATE_LIMIT = 50;

/** The body of a create: Jira field id to the value Jira takes for it. */
export interface IssuePayload {
  fields: Record<string, JsonValue>;
}

export interface CreatedIssueRef {
  id: string;
  key: string;
}

const createdIssueSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  key: z.string(),
  self: z.string().optional(),
});

const scopesFor = (api: JiraApi) => (api.deployment === 'cloud' ? WRITE_SCOPES : undefined);

export async function createIssue(api: JiraApi, payload: IssuePayload): Promise<CreatedIssueRef> {
  const response = await api.send({
    method: 'POST',
    path: `${api.apiPath}/issue`,
    body: payload,
    idempotent: false,
    scopes: scopesFor(api),
  });
  const created = parseJira(createdIssueSchema, response, 'the created issue');
  return { id: created.id, key: created.key };
}

const elementErrorsSchema = z.looseObject({
  errorMessages: z.array(z.string()).optional(),
  errors: z.record(z.string(), z.string()).optional(),
});

const bulkAnswerSchema = z.looseObject({
  issues: z.array(createdIssueSchema).default([]),
  errors: z
    .array(
      z.looseObject({
        failedElementNumber: z.number().int(),
        status: z.number().int().optional(),
        elementErrors: elementErrorsSchema.optional(),
      }),
    )
    .default([]),
});

/** One entry per payload, in the order sent. */
export type BulkCreateOutcome =
  { ok: true; issue: CreatedIssueRef } | { ok: false; error: AppError };

/**
 * Creates up to 50 issues in one call. Jira answers 201 when at least one was created and 400
 * when none was, both with `issues[]` (the created ones, in request order) and `errors[]`
 * (`failedElementNumber` = 0-based position in the request); each payload gets its outcome.
 */
export async function createIssues(
  api: JiraApi,
  payloads: readonly IssuePayload[],
): Promise<BulkCreateOutcome[]> {
  if (payloads.length === 0) return [];
  if (payloads.length > BULK_CREATE_LIMIT)
    throw new RangeError(`bulk create takes at most ${BULK_CREATE_LIMIT} issues`);
  const response = await api.send({
    method: 'POST',
    path: `${api.apiPath}/issue/bulk`,
    body: { issueUpdates: payloads },
    idempotent: false,
    scopes: scopesFor(api),
    acceptStatuses: [400],
  });
  if (response.status === 400) {
    // A 400 without per-issue errors refused the call itself (a malformed request).
    const perIssue = bulkAnswerSchema.safeParse(response.body);
    if (!perIssue.success || perIssue.data.errors.length === 0) throw jiraError(400, response.body);
  }
  const answer = parseJira(bulkAnswerSchema, response, 'the bulk create');
  const failures = new Map(answer.errors.map((e) => [e.failedElementNumber, e]));
  const created = [...answer.issues];
  return payloads.map((_payload, index): BulkCreateOutcome => {
    const failure = failures.get(index);
    if (failure) {
      return { ok: false, error: jiraError(failure.status ?? 400, failure.elementErrors ?? {}) };
    }
    const issue = created.shift();
    if (!issue) {
      // Jira reported neither an issue nor an error for this element: it cannot be known
      // whether it exists, so it is reported as a failure the caller must check.
      return {
        ok: false,
        error: jiraUnavailable(
          'Jira reported neither an issue nor an error for this record; check Jira before creating it again.',
        ),
      };
    }
    return { ok: true, issue: { id: issue.id, key: issue.key } };
  });
}
