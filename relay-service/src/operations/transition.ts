import { z } from 'zod';
import { normaliseIssueKey, type JiraTransitionJson } from '../jira/endpoints/issues';
import { listTransitions, performTransition } from '../jira/endpoints/transitions';
import { AppError, type FieldError } from '../lib/errors';
import type { Template } from '../templates/template-schema';
import type { OperationCaller } from './audit-recorder';
import { issueActionNote, templateFor } from './link';
import {
  transitionView,
  type IssueOperationDeps,
  type IssueStatusView,
  type TransitionView,
} from './view';

/**
 * Transitions from Salesforce run only to a target status the template allows (by name,
 * case-insensitive, as the Salesforce package compares them). A refusal sends nothing to Jira
 * when the request names the target status; a request by transition id costs one read to learn
 * where that transition leads. At most two Jira calls: the list (with screen fields) and the
 * transition itself.
 */

const fieldId = z.string().regex(/^[A-Za-z0-9_.-]{1,255}$/, 'expected a Jira field id');

export const transitionBody = z.strictObject({
  connection: z.string().min(1).max(80),
  template: z.record(z.string(), z.unknown()),
  transition: z.union([
    z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'expected a Jira transition id') }),
    z.strictObject({ toStatus: z.string().trim().min(1).max(255) }),
  ]),
  /** Values for the transition screen, in Jira's `fields` shape; passed to Jira as given. */
  fields: z
    .record(fieldId, z.unknown())
    .refine((fields) => Object.keys(fields).length <= 50, 'at most 50 fields')
    .default({}),
});
export type TransitionBody = z.output<typeof transitionBody>;

const fold = (name: string) => name.trim().toLocaleLowerCase('en-US');

/** The target statuses a template allows, folded for comparison. */
export function allowedStatuses(names: readonly string[]): Set<string> {
  return new Set(names.map(fold));
}

/** Where a transition leads; a transition without `to` is judged by its own name. */
const targetOf = (transition: JiraTransitionJson) => transition.to?.name ?? transition.name;

export function isAllowed(transition: JiraTransitionJson, allowed: ReadonlySet<string>): boolean {
  return allowed.has(fold(targetOf(transition)));
}

function notAllowed(template: Template, target: string | undefined): AppError {
  const allowed = template.allowedTransitions;
  return new AppError(
    'TRANSITION_NOT_ALLOWED',
    `${target ? `Moving the issue to "${target}"` : 'This transition'} is not allowed by the template "${template.name}". ` +
      (allowed.length
        ? `It allows: ${allowed.map((s) => `"${s}"`).join(', ')}.`
        : 'It allows no transitions.'),
    { extra: { allowedTransitions: allowed } },
  );
}

/** Required screen fields the request leaves out (those Jira would fill by default excepted). */
function missingRequired(
  transition: JiraTransitionJson,
  fields: Record<string, unknown>,
): { id: string; name: string; allowedValues?: unknown[] }[] {
  return Object.entries(transition.fields ?? {})
    .filter(([id, meta]) => meta.required && !meta.hasDefaultValue && fields[id] === undefined)
    .map(([id, meta]) => ({
      id,
      name: meta.name ?? id,
      ...(meta.allowedValues ? { allowedValues: meta.allowedValues } : {}),
    }));
}

/** GET /v1/issues/{key}/transitions: what Jira offers now, narrowed to `allowed` when given. */
export async function transitionsOfIssue(
  deps: IssueOperationDeps,
  caller: OperationCaller,
  input: { connection: string; key: string; templateId?: string; allowed?: readonly string[] },
): Promise<{ transitions: TransitionView[] }> {
  return deps.auditRecorder.run(
    caller,
    'View',
    {
      connection: input.connection,
      issueKey: normaliseIssueKey(input.key),
      templateId: input.templateId ?? null,
    },
    async () => {
      const client = await deps.jira.clientFor(caller.orgId, input.connection);
      const offered = await listTransitions(client, input.key);
      const allowed = input.allowed ? allowedStatuses(input.allowed) : undefined;
      return {
        transitions: offered
          .filter((t) => t.isAvailable !== false && (!allowed || isAllowed(t, allowed)))
          .map(transitionView),
      };
    },
  );
}

/** POST /v1/issues/{key}/transitions. */
export async function transitionIssue(
  deps: IssueOperationDeps,
  caller: OperationCaller,
  key: string,
  body: TransitionBody,
): Promise<{ status: IssueStatusView; transition: { id: string; name: string } }> {
  return deps.auditRecorder.run(caller, 'Transition', issueActionNote(body, key), async (note) => {
    const template = templateFor(body.template, body.connection);
    const allowed = allowedStatuses(template.allowedTransitions);
    const byStatus = 'toStatus' in body.transition ? body.transition.toStatus : undefined;
    // Refused before any Jira call when the request already says where it leads.
    if (allowed.size === 0 || (byStatus !== undefined && !allowed.has(fold(byStatus))))
      throw notAllowed(template, byStatus);

    const client = await deps.jira.clientFor(caller.orgId, body.connection);
    const offered = await listTransitions(client, key);
    const transition =
      'id' in body.transition
        ? offered.find((t) => t.id === (body.transition as { id: string }).id)
        : offered.find((t) => fold(targetOf(t)) === fold(byStatus ?? ''));
    if (!transition) {
      const wanted =
        'id' in body.transition
          ? `Transition ${body.transition.id}`
          : `No transition to "${byStatus}"`;
      throw new AppError(
        'JIRA_VALIDATION',
        `${wanted} is not available for ${normaliseIssueKey(key)} in its current status. ` +
          `Available now: ${offered.map((t) => `"${t.name}" → "${targetOf(t)}"`).join(', ') || 'none'}.`,
        { extra: { availableTransitions: offered.map(transitionView) } },
      );
    }
    if (!isAllowed(transition, allowed)) throw notAllowed(template, targetOf(transition));

    const missing = missingRequired(transition, body.fields);
    if (missing.length) {
      const fieldErrors: FieldError[] = missing.map((field) => ({
        field: `fields.${field.id}`,
        message: `${field.name} is required by the "${transition.name}" transition`,
      }));
      throw new AppError(
        'JIRA_VALIDATION',
        `The "${transition.name}" transition needs ${missing.map((f) => f.name).join(', ')}; ` +
          'send them in "fields" (Jira\'s field ids and value shapes).',
        { fieldErrors, extra: { requiredFields: missing } },
      );
    }

    note.fieldsSent = Object.keys(body.fields);
    await performTransition(client, key, transition.id, body.fields);
    return {
      status: {
        name: targetOf(transition),
        category: transition.to?.statusCategory?.key ?? null,
      },
      transition: { id: transition.id, name: transition.name },
    };
  });
}
