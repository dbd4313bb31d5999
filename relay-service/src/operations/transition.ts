import { z } from 'zod';
import { normaliseIssueKey, type JiraTransitionJson } from '../jira/endpoints/issues';
import { listTransitions, performTransition } from '../jira/endpoints/transitions';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import { parseScreenFields } from '../jira/endpoints/createmeta-answers';
import { assertDataMinimised } from '../templates/data-minimisation';
import { mappingsOnScreen, renderScreenFields } from '../templates/render-template';
import { parseRecord, type Template } from '../templates/template-schema';
import type { FieldProblem } from '../templates/value-shaping';
import type { OperationCaller } from '../audit/audit-recorder';
import { issueActionNote, templateFor } from './link';
import { issueUserSchema, mergeUserOf } from './preview';
import type { IssueOperationDeps } from './issue-operation-deps';
import type { IssueStatusView } from './status';
import { transitionView, type TransitionView } from './view';

/**
 * Transitions from Salesforce run only to a target status the template allows (by name,
 * case-insensitive, as the Salesforce package compares them). A refusal sends nothing to Jira
 * when the request names the target status; a request by transition id costs one read to learn
 * where that transition leads. At most two Jira calls: the list (with screen fields) and the
 * transition itself.
 *
 * What the transition sends is decided by the template, as on create: the fields on the chosen
 * transition's screen that the template maps, rendered from the record and shaped by the
 * screen's field metadata. The caller sends the record (only the fields the template
 * references, checked as on create), never field values; a required screen field the template
 * does not fill refuses the transition before anything is sent.
 */

export const transitionBody = z.strictObject({
  connection: z.string().min(1).max(80),
  template: z.record(z.string(), z.unknown()),
  transition: z.union([
    z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'expected a Jira transition id') }),
    z.strictObject({ toStatus: z.string().trim().min(1).max(255) }),
  ]),
  /**
   * The linked record's data, as on create (checked by parseRecord and the data-scope rule).
   * Needed when the template maps a field on the transition's screen.
   */
  record: z.record(z.string(), z.unknown()).optional(),
  user: issueUserSchema,
  /**
   * Formerly the screen values themselves. Only an empty object is still accepted (and
   * ignored), for callers that send one: values come from the template and the record.
   */
  fields: z
    .record(z.string(), z.unknown())
    .refine(
      (fields) => Object.keys(fields).length === 0,
      'screen values are not accepted: the template\'s field mappings fill the transition screen from "record"',
    )
    .optional(),
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

/**
 * The screen cannot be filled as the template says: named per field, like create's problems,
 * and a required field the template does not map listed with what Jira would accept.
 */
function screenProblems(
  template: Template,
  transition: JiraTransitionJson,
  problems: FieldProblem[],
): AppError {
  const required = problems
    .filter((p) => p.code === 'FIELD_REQUIRED')
    .map((p) => {
      const meta = transition.fields?.[p.field];
      return {
        id: p.field,
        name: meta?.name ?? p.field,
        ...(meta?.allowedValues ? { allowedValues: meta.allowedValues } : {}),
      };
    });
  return new AppError(
    'TEMPLATE_INVALID',
    `The template "${template.name}" cannot fill the "${transition.name}" transition screen for this record: ` +
      problems.map((p) => p.message).join('; '),
    {
      fieldErrors: problems.map((p) => ({ field: `fields.${p.field}`, message: p.message })),
      extra: { problems, ...(required.length ? { requiredFields: required } : {}) },
    },
  );
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

export interface TransitionDeps extends IssueOperationDeps {
  /** `{{$Now}}` in a mapping renders the time of the transition. */
  clock: Clock;
}

/** POST /v1/issues/{key}/transitions. */
export async function transitionIssue(
  deps: TransitionDeps,
  caller: OperationCaller,
  key: string,
  body: TransitionBody,
): Promise<{ status: IssueStatusView; transition: { id: string; name: string } }> {
  const identified = { connection: body.connection, template: body.template };
  return deps.auditRecorder.run(
    caller,
    'Transition',
    issueActionNote(identified, key),
    async (note) => {
      const template = templateFor(body.template, body.connection);
      // Checked before any Jira call: record data the template does not reference never gets in.
      const record = body.record ? parseRecord(body.record) : null;
      note.recordId = record?.id ?? null;
      if (record) assertDataMinimised(template, record);
      const allowed = allowedStatuses(template.allowedTransitions);
      const byStatus = 'toStatus' in body.transition ? body.transition.toStatus : undefined;
      // Refused before any Jira call when the request already says where it leads.
      if (allowed.size === 0 || (byStatus !== undefined && !allowed.has(fold(byStatus))))
        throw notAllowed(template, byStatus);

      const client = await deps.jira.actingClientFor(caller, body.connection);
      note.identity = client.identity;
      const offered = await listTransitions(client, key);
      const transition =
        'id' in body.transition
          ? offered.find((t) => t.id === (body.transition as { id: string }).id)
          : offered.find((t) => fold(targetOf(t)) === fold(byStatus ?? ''));
      if (!transition) {
        const wanted =
          'id' in body.transition
            ? `Transition ${body.transition.id}`
            : `A transition to "${byStatus}"`;
        throw new AppError(
          'JIRA_VALIDATION',
          `${wanted} is not available for ${normaliseIssueKey(key)} in its current status. ` +
            `Available now: ${offered.map((t) => `"${t.name}" → "${targetOf(t)}"`).join(', ') || 'none'}.`,
          { extra: { availableTransitions: offered.map(transitionView) } },
        );
      }
      if (!isAllowed(transition, allowed)) throw notAllowed(template, targetOf(transition));

      const screen = parseScreenFields(transition.fields ?? {});
      const mapped = mappingsOnScreen(template, screen);
      if (!record && mapped.length > 0) {
        throw new AppError(
          'VALIDATION_FAILED',
          `The template fills ${mapped.map((m) => m.jiraField).join(', ')} on the "${transition.name}" screen from the record; send "record" as on create.`,
          { fieldErrors: [{ field: 'record', message: 'required for this transition' }] },
        );
      }
      const rendered = renderScreenFields({
        template,
        record,
        user: mergeUserOf(body.user),
        orgId: caller.orgId,
        now: new Date(deps.clock.now()),
        deployment: client.deployment,
        screen,
      });
      if (rendered.problems.length) throw screenProblems(template, transition, rendered.problems);

      note.fieldsSent = rendered.fieldsSent;
      await performTransition(client, key, transition.id, rendered.fields);
      return {
        status: {
          name: targetOf(transition),
          category: transition.to?.statusCategory?.key ?? null,
        },
        transition: { id: transition.id, name: transition.name },
      };
    },
  );
}
