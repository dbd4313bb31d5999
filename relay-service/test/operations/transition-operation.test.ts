import type { AuditEvent } from '../../src/audit/audit-event';
import {
  transitionBody,
  transitionIssue,
  transitionsOfIssue,
  type TransitionBody,
} from '../../src/operations/transition';
import type { FieldMeta } from '../support/jira-double/model';
import { STATUSES } from '../support/jira-double/model';
import {
  CONNECTION,
  IMPATIENT,
  IMPATIENT_TIMEOUT_MS,
  ORG,
  RECORD,
  SAM,
  TEMPLATE_ID,
  USER,
  failureOf,
  template,
  useOperationWorld,
  type Deployment,
  type OperationWorld,
} from './issue-operation-fixture';

/**
 * The transition operation itself, without a relay: transitionIssue and transitionsOfIssue on
 * an SQLite store (the audit outbox) and the Jira doubles on 127.0.0.1, whose workflows name
 * transitions for what the user does ("Start work", "Resolve") and offer each only in some
 * statuses. The template allows target statuses; what a transition leads to decides, never its
 * name. transition.test.ts covers the routes through a relay.
 */

const RESOLUTION: FieldMeta = {
  fieldId: 'resolution',
  name: 'Resolution',
  required: true,
  schema: { type: 'resolution', system: 'resolution' },
  operations: ['set'],
  allowedValues: [
    { id: '1', name: 'Fixed' },
    { id: '2', name: "Won't Fix" },
  ],
};

/** A rich text field: ADF on Cloud, wiki text on Data Center. */
const ROOT_CAUSE: FieldMeta = {
  fieldId: 'customfield_10065',
  name: 'Root Cause',
  required: false,
  schema: {
    type: 'string',
    custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textarea',
    customId: 10065,
  },
  operations: ['set'],
};

const RESOLUTION_MAPPING = {
  jiraField: 'resolution',
  value: '{{Resolution__c}}',
  valueMap: { 'Fixed in release': 'Fixed' },
};
const ROOT_CAUSE_MAPPING = { jiraField: 'customfield_10065', value: '{{Root_Cause__c}}' };

const cloud = CONNECTION.cloud;
const listRoute = (api: string) => `GET ${api}/issue/{issueIdOrKey}/transitions`;
const postRoute = (api: string) => `POST ${api}/issue/{issueIdOrKey}/transitions`;

/** A Case with the fields the resolving templates reference. */
function caseRecord(fields: Record<string, unknown> = {}) {
  return {
    id: RECORD.id,
    url: RECORD.url,
    objectApiName: 'Case',
    fields: {
      Subject: 'Checkout fails',
      Description: 'On Safari',
      Resolution__c: 'Fixed in release',
      ...fields,
    },
  };
}

describe('the transition operation', () => {
  let world: OperationWorld;
  useOperationWorld((started) => (world = started));

  const jira = (deployment: Deployment = 'cloud') => world.doubles[deployment];
  /** The request as the route hands it over: checked by the body schema first. */
  const body = (input: Record<string, unknown>): TransitionBody =>
    transitionBody.parse({ connection: cloud, template: template(cloud), ...input });
  const run = (key: string, input: Record<string, unknown>, who = world.caller()) =>
    transitionIssue({ ...world.deps, clock: { now: () => Date.now() } }, who, key, body(input));
  const posted = (deployment: Deployment = 'cloud') =>
    jira(deployment).bodiesOf(postRoute(jira(deployment).model.api));
  const onlyEvent = async (requestId: string): Promise<AuditEvent> => {
    const events = await world.eventsOf(requestId);
    expect(events).toHaveLength(1);
    return events[0] as AuditEvent;
  };

  describe('a transition the template allows', () => {
    it('when it is run by id then the issue moves in two Jira calls, the answer names the status and the transition, and one Success event is queued', async () => {
      const issue = world.seed('cloud');
      const who = world.caller();

      const answer = await run(issue.key, { transition: { id: '21' } }, who);

      expect(answer).toEqual({
        status: { name: 'In Progress', category: 'indeterminate' },
        transition: { id: '21', name: 'Start work' },
      });
      expect(issue.status).toBe(STATUSES.progress);
      expect(jira().jiraCalls).toBe(2);
      expect(jira().log.map((call) => [call.key, call.search])).toEqual([
        [listRoute('/rest/api/3'), '?expand=transitions.fields'],
        [postRoute('/rest/api/3'), ''],
      ]);
      expect(posted()).toEqual([{ transition: { id: '21' } }]);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        requestId: who.requestId,
        orgId: ORG,
        operation: 'Transition',
        outcome: 'Success',
        actingUserId: who.userId,
        issueKey: issue.key,
        connection: cloud,
        templateId: TEMPLATE_ID,
        recordId: null,
        fieldsSent: [],
        identity: 'service',
        errorCode: null,
        errorMessage: null,
        jiraStatus: null,
      });
    });

    it('when a flow names the target status, spaced and in any case, then the transition leading there runs, whatever it is called', async () => {
      const issue = world.seed('cloud');
      const answer = await run(issue.key, { transition: { toStatus: '  dOnE ' } });
      expect(answer).toEqual({
        status: { name: 'Done', category: 'done' },
        transition: { id: '31', name: 'Resolve' },
      });
      expect(posted()).toEqual([{ transition: { id: '31' } }]);
      expect(issue.status).toBe(STATUSES.done);
    });

    it('when the template lists its statuses spaced and in another case then they still match', async () => {
      const issue = world.seed('cloud');
      const spaced = template(cloud, { allowedTransitions: ['  in PROGRESS '] });
      const answer = await run(issue.key, { template: spaced, transition: { id: '21' } });
      expect(answer.transition).toEqual({ id: '21', name: 'Start work' });
    });

    it('when the user acts with his own Jira account then the transition runs as him and the event says so', async () => {
      const issue = world.seed('cloud');
      const who = world.caller(SAM);
      await run(issue.key, { transition: { toStatus: 'In Progress' } }, who);
      expect(jira().log.map((call) => call.actor)).toEqual(['sam', 'sam']);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        outcome: 'Success',
        identity: 'user',
        actingUserId: SAM,
      });
    });

    it("when an incident moves along its own project's workflow then each step is one Jira offers in the current status", async () => {
      const incident = world.seed('cloud', 'OPS');
      const incidents = template(cloud, {
        projectKey: 'OPS',
        issueType: 'Incident',
        allowedTransitions: ['Resolved', 'Closed'],
      });
      const move = (toStatus: string) =>
        run(incident.key, { template: incidents, transition: { toStatus } });

      // Closed is allowed, but Jira offers no way there from Open.
      const early = await failureOf(move('Closed'));
      expect(early.detail).toBe(
        `A transition to "Closed" is not available for ${incident.key} in its current status. ` +
          'Available now: "Investigate" → "Investigating", "Resolve this issue" → "Resolved".',
      );
      expect((await move('Resolved')).transition).toEqual({
        id: '111',
        name: 'Resolve this issue',
      });
      expect((await move('Closed')).status).toEqual({ name: 'Closed', category: 'done' });
      expect(incident.status).toBe(STATUSES.closed);

      // A closed incident is offered nothing.
      const stuck = await failureOf(move('Resolved'));
      expect(stuck.detail).toBe(
        `A transition to "Resolved" is not available for ${incident.key} in its current status. Available now: none.`,
      );
      expect(stuck.extra).toEqual({ availableTransitions: [] });
    });
  });

  describe('a transition the template does not allow', () => {
    it('when the request names a target status the template does not list then TRANSITION_NOT_ALLOWED names it and what is allowed, and Jira is not called', async () => {
      const issue = world.seed('cloud');
      const who = world.caller();

      const error = await failureOf(run(issue.key, { transition: { toStatus: '  To Do ' } }, who));

      expect(error).toMatchObject({
        code: 'TRANSITION_NOT_ALLOWED',
        status: 403,
        detail:
          'Moving the issue to "To Do" is not allowed by the template "Support cases". It allows: "In Progress", "Done".',
        extra: { allowedTransitions: ['In Progress', 'Done'] },
      });
      expect(jira().jiraCalls).toBe(0);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        operation: 'Transition',
        outcome: 'Denied',
        issueKey: issue.key,
        templateId: TEMPLATE_ID,
        errorCode: 'TRANSITION_NOT_ALLOWED',
        errorMessage: error.detail,
        identity: null,
      });
    });

    it('when the template allows no transitions then a request by id or by status is refused without a Jira call', async () => {
      const issue = world.seed('cloud');
      const none = template(cloud, { allowedTransitions: [] });

      const byId = await failureOf(run(issue.key, { template: none, transition: { id: '31' } }));
      const byStatus = await failureOf(
        run(issue.key, { template: none, transition: { toStatus: 'Done' } }),
      );

      expect(byId).toMatchObject({
        code: 'TRANSITION_NOT_ALLOWED',
        detail:
          'This transition is not allowed by the template "Support cases". It allows no transitions.',
        extra: { allowedTransitions: [] },
      });
      expect(byStatus.detail).toBe(
        'Moving the issue to "Done" is not allowed by the template "Support cases". It allows no transitions.',
      );
      expect(jira().jiraCalls).toBe(0);
    });

    it('when a transition id leads to a status the template does not list then it is refused after one read, naming where it leads', async () => {
      const issue = world.seed('cloud');
      issue.status = STATUSES.progress;

      const error = await failureOf(run(issue.key, { transition: { id: '11' } }));

      expect(error).toMatchObject({
        code: 'TRANSITION_NOT_ALLOWED',
        detail:
          'Moving the issue to "To Do" is not allowed by the template "Support cases". It allows: "In Progress", "Done".',
      });
      expect(jira().jiraCalls).toBe(1);
      expect(posted()).toEqual([]);
      expect(issue.status).toBe(STATUSES.progress);
    });

    it('when a template lists transition names instead of statuses then it allows none of them', async () => {
      const issue = world.seed('cloud');
      const byNames = template(cloud, { allowedTransitions: ['Start work', 'Resolve'] });

      const byId = await failureOf(run(issue.key, { template: byNames, transition: { id: '21' } }));
      expect(byId).toMatchObject({
        code: 'TRANSITION_NOT_ALLOWED',
        detail:
          'Moving the issue to "In Progress" is not allowed by the template "Support cases". It allows: "Start work", "Resolve".',
      });
      // A flow naming a transition where a status belongs finds no transition leading there.
      const byName = await failureOf(
        run(issue.key, { template: byNames, transition: { toStatus: 'resolve' } }),
      );
      expect(byName).toMatchObject({ code: 'JIRA_VALIDATION', status: 422 });
      expect(byName.detail).toMatch(/^A transition to "resolve" is not available for /);
      expect(posted()).toEqual([]);
      expect(issue.status).toBe(STATUSES.todo);
    });
  });

  describe('a transition Jira does not offer now', () => {
    it('when the id is not offered in the current status then JIRA_VALIDATION lists what is, and nothing is sent', async () => {
      const issue = world.seed('cloud');
      issue.status = STATUSES.done;
      const who = world.caller();

      const error = await failureOf(run(issue.key, { transition: { id: '31' } }, who));

      expect(error).toMatchObject({
        code: 'JIRA_VALIDATION',
        status: 422,
        detail: `Transition 31 is not available for ${issue.key} in its current status. Available now: "Reopen" → "To Do".`,
        extra: {
          availableTransitions: [
            { id: '11', name: 'Reopen', toStatus: 'To Do', toStatusCategory: 'new' },
          ],
        },
      });
      expect(jira().jiraCalls).toBe(1);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        outcome: 'Failed',
        errorCode: 'JIRA_VALIDATION',
        identity: 'service',
      });
    });

    it('when no transition offered now leads to the allowed status then every offered one is listed', async () => {
      const issue = world.seed('cloud');
      issue.status = STATUSES.progress;

      const error = await failureOf(run(issue.key, { transition: { toStatus: 'In Progress' } }));

      expect(error.detail).toBe(
        `A transition to "In Progress" is not available for ${issue.key} in its current status. ` +
          'Available now: "Reopen" → "To Do", "Resolve" → "Done".',
      );
      expect(posted()).toEqual([]);
    });
  });

  describe('what Jira lists', () => {
    /** The next list of transitions Jira answers is `transitions`, instead of the workflow's. */
    const jiraLists = (transitions: Record<string, unknown>[]) =>
      jira().faults.add({
        kind: 'status',
        status: 200,
        route: listRoute('/rest/api/3'),
        body: { expand: 'transitions', transitions },
      });

    it('when a transition comes without its target status then its own name is judged and answered, with no category', async () => {
      const issue = world.seed('cloud');
      jiraLists([{ id: '21', name: 'In Progress' }]);

      const answer = await run(issue.key, { transition: { toStatus: 'in progress' } });

      expect(answer).toEqual({
        status: { name: 'In Progress', category: null },
        transition: { id: '21', name: 'In Progress' },
      });
      expect(posted()).toEqual([{ transition: { id: '21' } }]);
    });

    it('when the target status comes without its category then the answer has none', async () => {
      const issue = world.seed('cloud');
      jiraLists([{ id: '31', name: 'Resolve', to: { id: '10001', name: 'Done' } }]);
      const answer = await run(issue.key, { transition: { id: '31' } });
      expect(answer.status).toEqual({ name: 'Done', category: null });
    });

    it('when a bare transition is not offered then the message names it as its own target', async () => {
      const issue = world.seed('cloud');
      jiraLists([{ id: '41', name: 'Reopened' }]);
      const error = await failureOf(run(issue.key, { transition: { id: '21' } }));
      expect(error.detail).toBe(
        `Transition 21 is not available for ${issue.key} in its current status. Available now: "Reopened" → "Reopened".`,
      );
    });
  });

  describe('the transition screen', () => {
    const resolving = (fields: unknown[] = [RESOLUTION_MAPPING]) => template(cloud, { fields });

    it('when the screen requires a field the template does not map then TEMPLATE_INVALID names it with what Jira accepts, and nothing is sent', async () => {
      jira().model.transitionScreens.set('31', [RESOLUTION]);
      const issue = world.seed('cloud');

      const error = await failureOf(run(issue.key, { transition: { toStatus: 'Done' } }));

      const message =
        'Jira requires this field on this transition, but the template does not map it';
      expect(error).toMatchObject({
        code: 'TEMPLATE_INVALID',
        status: 400,
        detail: `The template "Support cases" cannot fill the "Resolve" transition screen for this record: Resolution (resolution): ${message}`,
        fieldErrors: [
          { field: 'fields.resolution', message: `Resolution (resolution): ${message}` },
        ],
      });
      expect(error.extra).toEqual({
        problems: [
          {
            field: 'resolution',
            code: 'FIELD_REQUIRED',
            message: `Resolution (resolution): ${message}`,
          },
        ],
        requiredFields: [
          { id: 'resolution', name: 'Resolution', allowedValues: RESOLUTION.allowedValues },
        ],
      });
      expect(posted()).toEqual([]);
    });

    it('when two required fields are missing then both are named, the one without allowed values listed without them', async () => {
      jira().model.transitionScreens.set('31', [RESOLUTION, { ...ROOT_CAUSE, required: true }]);
      const issue = world.seed('cloud');
      const error = await failureOf(run(issue.key, { transition: { id: '31' } }));
      const message =
        'Jira requires this field on this transition, but the template does not map it';
      expect(error.detail).toBe(
        'The template "Support cases" cannot fill the "Resolve" transition screen for this record: ' +
          `Resolution (resolution): ${message}; Root Cause (customfield_10065): ${message}`,
      );
      // Strictly: a field without allowed values has no `allowedValues` member, not an undefined one.
      expect(error.extra?.requiredFields).toStrictEqual([
        { id: 'resolution', name: 'Resolution', allowedValues: RESOLUTION.allowedValues },
        { id: 'customfield_10065', name: 'Root Cause' },
      ]);
    });

    it('when the record gives a value Jira does not allow then the problem is named, with no required fields listed', async () => {
      jira().model.transitionScreens.set('31', [RESOLUTION]);
      const issue = world.seed('cloud');

      const error = await failureOf(
        run(issue.key, {
          template: resolving(),
          transition: { toStatus: 'Done' },
          record: caseRecord({ Resolution__c: 'Nope' }),
        }),
      );

      expect(error.code).toBe('TEMPLATE_INVALID');
      expect(error.fieldErrors).toEqual([
        { field: 'fields.resolution', message: expect.stringContaining('"Nope"') },
      ]);
      expect(Object.keys(error.extra ?? {})).toEqual(['problems']);
      expect(error.extra?.problems).toEqual([
        expect.objectContaining({ field: 'resolution', code: 'VALUE_NOT_ALLOWED' }),
      ]);
      expect(posted()).toEqual([]);
      expect(issue.status).toBe(STATUSES.todo);
    });

    it('when the template maps fields on the screen then their values come from the record, shaped for Cloud, and only their names are audited', async () => {
      jira().model.transitionScreens.set('31', [RESOLUTION, ROOT_CAUSE]);
      const issue = world.seed('cloud');
      const who = world.caller();

      const answer = await run(
        issue.key,
        {
          template: resolving([
            RESOLUTION_MAPPING,
            ROOT_CAUSE_MAPPING,
            // Mapped for create, but not on this screen: not sent with the transition.
            { jiraField: 'priority', value: '{{Priority}}' },
          ]),
          transition: { toStatus: 'Done' },
          record: caseRecord({ Priority: 'High', Root_Cause__c: 'Expired certificate' }),
          user: USER,
        },
        who,
      );

      expect(answer.transition).toEqual({ id: '31', name: 'Resolve' });
      expect(posted()).toEqual([
        {
          transition: { id: '31' },
          fields: {
            resolution: { name: 'Fixed' },
            customfield_10065: {
              version: 1,
              type: 'doc',
              content: [
                { type: 'paragraph', content: [{ type: 'text', text: 'Expired certificate' }] },
              ],
            },
          },
        },
      ]);
      const event = await onlyEvent(who.requestId);
      expect(event).toMatchObject({
        outcome: 'Success',
        fieldsSent: ['resolution', 'customfield_10065'],
        recordId: RECORD.id,
      });
      expect(JSON.stringify(event)).not.toMatch(/Fixed|Expired/);
    });

    it('when the template maps a rich text field on a Data Center screen then it is sent as wiki text', async () => {
      const dc = CONNECTION.server;
      jira('server').model.transitionScreens.set('31', [ROOT_CAUSE]);
      const issue = world.seed('server');

      await transitionIssue(
        { ...world.deps, clock: { now: () => Date.now() } },
        world.caller(),
        issue.key,
        transitionBody.parse({
          connection: dc,
          template: template(dc, { fields: [ROOT_CAUSE_MAPPING] }),
          transition: { id: '31' },
          record: {
            ...caseRecord(),
            fields: {
              Subject: 'Checkout fails',
              Description: 'On Safari',
              Root_Cause__c: 'Expired *certificate*',
            },
          },
        }),
      );

      expect(posted('server')).toEqual([
        {
          transition: { id: '31' },
          fields: { customfield_10065: 'Expired \\*certificate\\*' },
        },
      ]);
      expect(issue.status).toBe(STATUSES.done);
    });

    it('when the template fills screen fields but no record is sent then VALIDATION_FAILED names them after one read', async () => {
      jira().model.transitionScreens.set('31', [RESOLUTION, ROOT_CAUSE]);
      const issue = world.seed('cloud');

      const error = await failureOf(
        run(issue.key, {
          template: resolving([RESOLUTION_MAPPING, ROOT_CAUSE_MAPPING]),
          transition: { id: '31' },
        }),
      );

      expect(error).toMatchObject({
        code: 'VALIDATION_FAILED',
        detail:
          'The template fills resolution, customfield_10065 on the "Resolve" screen from the record; send "record" as on create.',
        fieldErrors: [{ field: 'record', message: 'required for this transition' }],
      });
      expect(jira().jiraCalls).toBe(1);
    });

    it('when the template maps nothing on the screen then the transition sends no fields, and the record is still audited', async () => {
      const issue = world.seed('cloud');
      const who = world.caller();
      await run(
        issue.key,
        { template: resolving(), transition: { id: '21' }, record: caseRecord() },
        who,
      );
      expect(posted()).toEqual([{ transition: { id: '21' } }]);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        fieldsSent: [],
        recordId: RECORD.id,
      });
    });
  });

  describe('the record', () => {
    it('when it carries data the template does not reference then TEMPLATE_DATA_UNMAPPED refuses it before any Jira call, even with nothing on the screen', async () => {
      const issue = world.seed('cloud');
      const who = world.caller();
      const error = await failureOf(
        run(
          issue.key,
          {
            template: template(cloud, { fields: [RESOLUTION_MAPPING] }),
            transition: { id: '21' },
            record: caseRecord({ SuppliedEmail: 'jane@globex.example' }),
          },
          who,
        ),
      );
      expect(error.code).toBe('TEMPLATE_DATA_UNMAPPED');
      expect(jira().jiraCalls).toBe(0);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        outcome: 'Denied',
        recordId: RECORD.id,
      });
    });

    it('when it is invalid then VALIDATION_FAILED refuses it before any Jira call', async () => {
      const issue = world.seed('cloud');
      const error = await failureOf(
        run(issue.key, {
          transition: { id: '21' },
          record: { ...caseRecord(), url: 'https://evil.example/phish' },
        }),
      );
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(jira().jiraCalls).toBe(0);
    });

    it('when the template is for another connection then it is refused before any Jira call', async () => {
      const issue = world.seed('cloud');
      const error = await failureOf(
        run(issue.key, { template: template(CONNECTION.server), transition: { id: '21' } }),
      );
      expect(error).toMatchObject({
        code: 'VALIDATION_FAILED',
        fieldErrors: [{ field: 'connection', message: 'does not match template.connection' }],
      });
      expect(jira().jiraCalls).toBe(0);
    });
  });

  describe("Jira's answers", () => {
    it.each([
      [404, 'JIRA_NOT_FOUND', 'Failed'],
      [403, 'JIRA_FORBIDDEN', 'Denied'],
    ])(
      'when Jira answers %i to the list then %s is answered and nothing is sent',
      async (status, code, outcome) => {
        const issue = world.seed('cloud');
        const who = world.caller();
        jira().faults.add({ kind: 'status', status, route: listRoute('/rest/api/3') });
        const error = await failureOf(run(issue.key, { transition: { id: '31' } }, who));
        expect(error).toMatchObject({ code, jiraStatus: status });
        expect(posted()).toEqual([]);
        expect(await onlyEvent(who.requestId)).toMatchObject({
          outcome,
          errorCode: code,
          jiraStatus: status,
        });
      },
    );

    it('when Jira rejects the transition data then its field errors come back as JIRA_VALIDATION', async () => {
      const issue = world.seed('cloud');
      jira().faults.add({
        kind: 'status',
        status: 400,
        route: postRoute('/rest/api/3'),
        body: { errorMessages: [], errors: { resolution: 'Resolution is required.' } },
      });
      const error = await failureOf(run(issue.key, { transition: { id: '31' } }));
      expect(error).toMatchObject({
        code: 'JIRA_VALIDATION',
        status: 422,
        jiraStatus: 400,
        fieldErrors: [{ field: 'resolution', message: 'Resolution is required.' }],
      });
    });

    it.each([500, 502, 503])(
      'when Jira answers %i to the transition then it is not repeated and the caller is told to check Jira before retrying',
      async (status) => {
        const issue = world.seed('cloud');
        jira().faults.add({ kind: 'afterHandling', status, route: postRoute('/rest/api/3') });

        const error = await failureOf(run(issue.key, { transition: { id: '31' } }));

        expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE', jiraStatus: status });
        expect(error.detail).toBe(
          `Jira answered ${status}. Jira may have made the change before failing, so it was not repeated; check Jira before retrying.`,
        );
        expect(posted()).toHaveLength(1);
        // Jira did move it: that is why the caller must look before trying again.
        expect(issue.status).toBe(STATUSES.done);
      },
    );

    it('when the list keeps failing with 503 then it is read again, and the caller is told to retry later', async () => {
      const issue = world.seed('cloud');
      jira().faults.add({ kind: 'status', status: 503, route: listRoute('/rest/api/3'), times: 3 });
      const error = await failureOf(run(issue.key, { transition: { id: '31' } }));
      expect(error).toMatchObject({
        code: 'JIRA_UNAVAILABLE',
        detail: 'Jira answered 503. Jira is not answering properly; retry later.',
      });
      expect(jira().callsTo(listRoute('/rest/api/3'))).toBe(3);
      expect(posted()).toEqual([]);
    });

    it('when Jira does not answer the transition in time then it is not repeated and the caller is told to check Jira before retrying', async () => {
      const issue = world.seed('cloud');
      jira().faults.add({
        kind: 'delay',
        ms: IMPATIENT_TIMEOUT_MS * 5,
        route: postRoute('/rest/api/3'),
      });

      const error = await failureOf(
        run(issue.key, {
          connection: IMPATIENT,
          template: template(IMPATIENT),
          transition: { id: '31' },
        }),
      );

      expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE' });
      expect(error.detail).toBe(
        'The relay could not connect to Jira, or Jira did not answer. The request may have reached Jira, so it was not repeated; check Jira before retrying.',
      );
      expect(jira().callsTo(postRoute('/rest/api/3'))).toBe(1);
    });
  });

  describe('the request body', () => {
    const parse = (input: Record<string, unknown>) =>
      transitionBody.safeParse({
        connection: cloud,
        template: template(cloud),
        transition: { id: '21' },
        ...input,
      });
    const issuesOf = (input: Record<string, unknown>) => {
      const result = parse(input);
      return result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message]);
    };

    it('when the transition is an id then it is 1 to 18 digits, nothing else', () => {
      expect(parse({ transition: { id: '1' } }).success).toBe(true);
      expect(parse({ transition: { id: '9'.repeat(18) } }).success).toBe(true);
      for (const id of ['', '9'.repeat(19), 'x1', '1x', '2 1', 'abc']) {
        expect(issuesOf({ transition: { id } })).toContainEqual([
          'transition.id',
          'expected a Jira transition id',
        ]);
      }
    });

    it('when the transition is a status then it is trimmed, 1 to 255 characters', () => {
      expect(parse({ transition: { toStatus: '  Done  ' } }).data?.transition).toEqual({
        toStatus: 'Done',
      });
      expect(parse({ transition: { toStatus: 'x'.repeat(255) } }).success).toBe(true);
      expect(parse({ transition: { toStatus: 'x'.repeat(256) } }).success).toBe(false);
      expect(parse({ transition: { toStatus: '   ' } }).success).toBe(false);
      expect(parse({ transition: { id: '21', toStatus: 'Done' } }).success).toBe(false);
    });

    it('when the connection is named then it has 1 to 80 characters', () => {
      expect(parse({ connection: 'c'.repeat(80) }).success).toBe(true);
      expect(parse({ connection: 'c'.repeat(81) }).success).toBe(false);
      expect(parse({ connection: '' }).success).toBe(false);
    });

    it('when "fields" is sent then only an empty object is accepted', () => {
      expect(parse({ fields: {} }).success).toBe(true);
      expect(issuesOf({ fields: { resolution: { name: 'Fixed' } } })).toEqual([
        [
          'fields',
          'screen values are not accepted: the template\'s field mappings fill the transition screen from "record"',
        ],
      ]);
      expect(parse({ values: {} }).success).toBe(false);
    });
  });

  describe('the transitions listed', () => {
    const list = (
      key: string,
      input: { templateId?: string; allowed?: string[] },
      who = world.caller(),
    ) => transitionsOfIssue(world.deps, who, { connection: cloud, key, ...input });

    it('when the allowed statuses are given then only transitions leading there come back, compared as the policy does', async () => {
      const issue = world.seed('cloud');
      const who = world.caller();

      const answer = await list(issue.key, { templateId: TEMPLATE_ID, allowed: [' done '] }, who);

      expect(answer).toEqual({
        transitions: [{ id: '31', name: 'Resolve', toStatus: 'Done', toStatusCategory: 'done' }],
      });
      expect(jira().jiraCalls).toBe(1);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        operation: 'View',
        outcome: 'Success',
        issueKey: issue.key,
        connection: cloud,
        templateId: TEMPLATE_ID,
      });
    });

    it('when no allowed statuses are given then every transition Jira offers now comes back', async () => {
      const issue = world.seed('cloud');
      const who = world.caller();
      expect((await list(issue.key, {}, who)).transitions.map((t) => t.id)).toEqual(['21', '31']);
      issue.status = STATUSES.done;
      expect((await list(issue.key, {})).transitions.map((t) => t.id)).toEqual(['11']);
      expect(await onlyEvent(who.requestId)).toMatchObject({ operation: 'View', templateId: null });
    });

    it('when the allowed statuses name transitions instead then none comes back', async () => {
      const issue = world.seed('cloud');
      expect(await list(issue.key, { allowed: ['Start work', 'Resolve'] })).toEqual({
        transitions: [],
      });
    });

    it('when Jira marks a transition unavailable then it is left out, listed or allowed', async () => {
      const issue = world.seed('cloud');
      const offered = [
        { id: '21', name: 'Start work', to: { name: 'In Progress' }, isAvailable: false },
        { id: '31', name: 'Resolve', to: { name: 'Done' }, isAvailable: true },
        { id: '41', name: 'Park', to: { name: 'Parked' } },
      ];
      for (let i = 0; i < 2; i += 1)
        jira().faults.add({
          kind: 'status',
          status: 200,
          route: listRoute('/rest/api/3'),
          body: { transitions: offered },
        });
      expect((await list(issue.key, {})).transitions.map((t) => t.id)).toEqual(['31', '41']);
      expect(
        (await list(issue.key, { allowed: ['In Progress', 'Done'] })).transitions.map((t) => t.id),
      ).toEqual(['31']);
    });
  });
});
