import type { FieldMeta } from '../support/jira-double/model';
import { STATUSES } from '../support/jira-double/model';
import {
  CONNECTION,
  DEPLOYMENTS,
  RECORD,
  USER,
  useIssueActionsWorld,
  template,
  type IssueActionsWorld,
} from './view-fixture';

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

const RESOLUTION_MAPPING = {
  jiraField: 'resolution',
  value: '{{Resolution__c}}',
  valueMap: { 'Fixed in release': 'Fixed' },
};

describe('transitions of a linked issue', () => {
  let world: IssueActionsWorld;
  useIssueActionsWorld((started) => (world = started));

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    const connection = CONNECTION[deployment];
    const postRoute = (api: string) => `POST ${api}/issue/{issueIdOrKey}/transitions`;
    const transition = (key: string, body: Record<string, unknown>) =>
      world.admin.call('POST', `/v1/issues/${key}/transitions`, {
        connection,
        template: template(deployment),
        ...body,
      });
    /** A template that fills the resolution from the case, translating Salesforce's words. */
    const resolvingTemplate = (fields: unknown[] = [RESOLUTION_MAPPING]) =>
      template(deployment, { fields });
    const record = (fields: Record<string, unknown> = {}) => ({
      id: RECORD.id,
      url: RECORD.url,
      objectApiName: 'Case',
      fields: {
        Subject: 'Checkout fails',
        Description: 'On Safari',
        Resolution__c: 'Fixed in release',
        ...fields,
      },
    });

    it('when the transitions are listed with the allowed statuses then only those come back', async () => {
      const issue = world.seed(deployment);
      const answer = await world.admin.call(
        'GET',
        `/v1/issues/${issue.key}/transitions?connection=${connection}&template=a0B5g00000T3mPlAAB&allowed=In%20Progress&allowed=done`,
      );
      expect(answer.status).toBe(200);
      expect(answer.body.transitions).toEqual([
        {
          id: '21',
          name: 'Start work',
          toStatus: 'In Progress',
          toStatusCategory: 'indeterminate',
        },
        { id: '31', name: 'Resolve', toStatus: 'Done', toStatusCategory: 'done' },
      ]);
      expect(world.doubles[deployment].jiraCalls).toBe(1);
    });

    it('when the transitions are listed with only the template id then every transition Jira offers in the current status comes back', async () => {
      const issue = world.seed(deployment);
      const list = async () =>
        (
          await world.admin.call(
            'GET',
            `/v1/issues/${issue.key}/transitions?connection=${connection}&template=a0B5g00000T3mPlAAB`,
          )
        ).body.transitions as { id: string }[];
      expect((await list()).map((t) => t.id)).toEqual(['21', '31']);
      issue.status = STATUSES.done;
      expect((await list()).map((t) => t.id)).toEqual(['11']);
    });

    it('when a user runs an allowed transition by id then the issue moves and the new status is answered in two Jira calls', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);

      const answer = await transition(issue.key, { transition: { id: '21' } });

      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        status: { name: 'In Progress', category: 'indeterminate' },
      });
      expect(issue.status).toBe(STATUSES.progress);
      expect(double.jiraCalls).toBe(2);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Transition',
        outcome: 'Success',
        issueKey: issue.key,
        templateId: 'a0B5g00000T3mPlAAB',
      });
    });

    it('when a flow names the target status instead of an id then the matching transition runs', async () => {
      const issue = world.seed(deployment);
      const answer = await transition(issue.key, { transition: { toStatus: 'done' } });
      expect(answer.status).toBe(200);
      expect(answer.body.status).toEqual({ name: 'Done', category: 'done' });
      expect(issue.status).toBe(STATUSES.done);
    });

    it('when the target status is not allowed by the template then TRANSITION_NOT_ALLOWED is answered and Jira is not called', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);

      const answer = await transition(issue.key, { transition: { toStatus: 'To Do' } });

      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({
        code: 'TRANSITION_NOT_ALLOWED',
        detail:
          'Moving the issue to "To Do" is not allowed by the template "Support cases". It allows: "In Progress", "Done".',
        allowedTransitions: ['In Progress', 'Done'],
      });
      expect(double.jiraCalls).toBe(0);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Transition',
        outcome: 'Denied',
        errorCode: 'TRANSITION_NOT_ALLOWED',
      });
    });

    it('when a transition id leads to a status the template does not allow then it is refused after one read and nothing is changed', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      issue.status = STATUSES.progress;

      const answer = await transition(issue.key, { transition: { id: '11' } });

      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('TRANSITION_NOT_ALLOWED');
      expect(double.callsTo(postRoute(double.model.api))).toBe(0);
      expect(double.jiraCalls).toBe(1);
    });

    it('when the template allows no transitions then any request is refused without a Jira call', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      const answer = await transition(issue.key, {
        template: template(deployment, { allowedTransitions: [] }),
        transition: { id: '31' },
      });
      expect(answer.body).toMatchObject({
        code: 'TRANSITION_NOT_ALLOWED',
        detail:
          'This transition is not allowed by the template "Support cases". It allows no transitions.',
        allowedTransitions: [],
      });
      expect(double.jiraCalls).toBe(0);
    });

    it('when the transition screen requires a field the template does not map then it is named and nothing is sent', async () => {
      const double = world.doubles[deployment];
      double.model.transitionScreens.set('31', [RESOLUTION]);
      const issue = world.seed(deployment);

      const answer = await transition(issue.key, { transition: { toStatus: 'Done' } });

      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        code: 'TEMPLATE_INVALID',
        fieldErrors: [
          {
            field: 'fields.resolution',
            message: expect.stringContaining('requires this field on this transition'),
          },
        ],
        requiredFields: [expect.objectContaining({ id: 'resolution', name: 'Resolution' })],
      });
      expect(double.callsTo(postRoute(double.model.api))).toBe(0);
    });

    it('when the template maps a field on the transition screen then its value comes from the record, shaped as on create, and nothing else is sent', async () => {
      const double = world.doubles[deployment];
      double.model.transitionScreens.set('31', [RESOLUTION]);
      const issue = world.seed(deployment);

      const answer = await transition(issue.key, {
        template: resolvingTemplate([
          RESOLUTION_MAPPING,
          // Mapped for create, but not on this screen: not sent with the transition.
          { jiraField: 'priority', value: '{{Priority}}' },
        ]),
        transition: { toStatus: 'Done' },
        record: record({ Priority: 'High' }),
        user: USER,
      });

      expect(answer.status).toBe(200);
      expect(issue.status).toBe(STATUSES.done);
      expect(double.bodiesOf(postRoute(double.model.api))).toEqual([
        { transition: { id: '31' }, fields: { resolution: { name: 'Fixed' } } },
      ]);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({ fieldsSent: ['resolution'], recordId: RECORD.id });
      expect(JSON.stringify(event)).not.toContain('Fixed');
    });

    it('when the template maps no field on the screen then the transition sends no fields, with or without a record', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      const withRecord = await transition(issue.key, {
        template: resolvingTemplate(),
        transition: { id: '21' },
        record: record(),
      });
      // Callers that still send an empty "fields" object keep working.
      const legacy = await transition(issue.key, { transition: { id: '31' }, fields: {} });
      expect([withRecord.status, legacy.status]).toEqual([200, 200]);
      expect(double.bodiesOf(postRoute(double.model.api))).toEqual([
        { transition: { id: '21' } },
        { transition: { id: '31' } },
      ]);
    });

    it.each([
      ['values in "fields"', { fields: { resolution: { name: 'Fixed' } } }, 'VALIDATION_FAILED', 0],
      [
        'record data the template does not reference',
        { record: record({ SuppliedEmail: 'jane@globex.example' }) },
        'TEMPLATE_DATA_UNMAPPED',
        0,
      ],
      [
        'record data missing a referenced field',
        { record: { ...record(), fields: { Subject: 'x', Description: 'y' } } },
        'TEMPLATE_DATA_MISSING',
        0,
      ],
      [
        'no record while the template fills the screen',
        { record: undefined },
        'VALIDATION_FAILED',
        1,
      ],
      [
        'a value Jira does not allow',
        { record: record({ Resolution__c: 'Nope' }) },
        'TEMPLATE_INVALID',
        1,
      ],
      [
        'a record URL off Salesforce',
        { record: { ...record(), url: 'https://evil.example/phish' } },
        'VALIDATION_FAILED',
        0,
      ],
    ])(
      'when the request carries %s then it is refused and nothing is sent',
      async (_what, extra, code, reads) => {
        const double = world.doubles[deployment];
        double.model.transitionScreens.set('31', [RESOLUTION]);
        const issue = world.seed(deployment);

        const answer = await transition(issue.key, {
          template: resolvingTemplate(),
          transition: { toStatus: 'Done' },
          record: record(),
          ...extra,
        });

        expect(answer.body.code).toBe(code);
        expect(double.callsTo(postRoute(double.model.api))).toBe(0);
        expect(double.jiraCalls).toBe(reads);
        expect(issue.status).toBe(STATUSES.todo);
      },
    );

    it('when Jira itself rejects the transition data then its field errors come back as JIRA_VALIDATION', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      double.faults.add({
        kind: 'status',
        status: 400,
        route: postRoute(double.model.api),
        body: { errorMessages: [], errors: { resolution: 'Resolution is required.' } },
      });
      const answer = await transition(issue.key, { transition: { id: '31' } });
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        code: 'JIRA_VALIDATION',
        jiraStatus: 400,
        fieldErrors: [{ field: 'resolution', message: 'Resolution is required.' }],
      });
    });

    it('when the transition id is not offered for the issue now then the available ones are listed', async () => {
      const issue = world.seed(deployment);
      const answer = await transition(issue.key, { transition: { id: '999' } });
      expect(answer.status).toBe(422);
      expect(answer.body.availableTransitions).toEqual([
        {
          id: '21',
          name: 'Start work',
          toStatus: 'In Progress',
          toStatusCategory: 'indeterminate',
        },
        { id: '31', name: 'Resolve', toStatus: 'Done', toStatusCategory: 'done' },
      ]);
      expect(answer.body.detail).toContain('"Start work" → "In Progress"');
    });

    describe('when transition names differ from the statuses they lead to', () => {
      const listAllowed = async (key: string, allowed: string[]) =>
        (
          await world.admin.call(
            'GET',
            `/v1/issues/${key}/transitions?connection=${connection}&template=a0B5g00000T3mPlAAB&${allowed
              .map((a) => `allowed=${encodeURIComponent(a)}`)
              .join('&')}`,
          )
        ).body.transitions as { id: string }[];

      it('then a template that lists transition names instead of statuses allows none of them', async () => {
        const double = world.doubles[deployment];
        const issue = world.seed(deployment);
        const byNames = template(deployment, { allowedTransitions: ['Start work', 'Resolve'] });

        expect(await listAllowed(issue.key, ['Start work', 'Resolve'])).toEqual([]);
        const byId = await transition(issue.key, { template: byNames, transition: { id: '21' } });
        expect(byId.status).toBe(403);
        expect(byId.body).toMatchObject({ code: 'TRANSITION_NOT_ALLOWED' });
        expect(byId.body.detail).toContain('Moving the issue to "In Progress"');
        // A flow naming a transition where a status belongs finds no transition leading there.
        const byName = await transition(issue.key, {
          template: byNames,
          transition: { toStatus: 'Resolve' },
        });
        expect(byName.status).toBe(422);
        expect(byName.body.code).toBe('JIRA_VALIDATION');
        expect(byName.body.detail).toBe(
          `A transition to "Resolve" is not available for ${issue.key} in its current status. ` +
            'Available now: "Start work" → "In Progress", "Resolve" → "Done".',
        );
        expect(double.callsTo(postRoute(double.model.api))).toBe(0);
        expect(issue.status).toBe(STATUSES.todo);
      });

      it('then the status a transition leads to decides, and the answer names both', async () => {
        const double = world.doubles[deployment];
        const issue = world.seed(deployment);
        const answer = await transition(issue.key, { transition: { toStatus: 'in progress' } });
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({
          status: { name: 'In Progress', category: 'indeterminate' },
          transition: { id: '21', name: 'Start work' },
        });
        expect(double.bodiesOf(postRoute(double.model.api))).toEqual([
          { transition: { id: '21' } },
        ]);
        expect(issue.status).toBe(STATUSES.progress);
      });

      it('then a transition Jira offers only in another status is not run, and what is offered now is listed', async () => {
        const double = world.doubles[deployment];
        const issue = world.seed(deployment);
        const reopen = template(deployment, { allowedTransitions: ['To Do'] });

        const fromToDo = await transition(issue.key, {
          template: reopen,
          transition: { id: '11' },
        });
        expect(fromToDo.status).toBe(422);
        expect(fromToDo.body.code).toBe('JIRA_VALIDATION');
        expect(double.callsTo(postRoute(double.model.api))).toBe(0);

        issue.status = STATUSES.done;
        const fromDone = await transition(issue.key, {
          template: reopen,
          transition: { toStatus: 'To Do' },
        });
        expect(fromDone.body).toMatchObject({ transition: { id: '11', name: 'Reopen' } });
        expect(issue.status).toBe(STATUSES.todo);
      });

      it("then an incident moves along its own project's workflow, one offered step at a time", async () => {
        const double = world.doubles[deployment];
        const incident = world.seed(deployment, {}, 'OPS');
        const incidents = template(deployment, {
          projectKey: 'OPS',
          issueType: 'Incident',
          allowedTransitions: ['Resolved', 'Closed'],
        });
        const move = (toStatus: string) =>
          transition(incident.key, { template: incidents, transition: { toStatus } });

        expect(incident.status).toBe(STATUSES.open);
        // Closed is allowed, but Jira offers no way there from Open.
        expect((await move('Closed')).body.code).toBe('JIRA_VALIDATION');
        expect((await move('Resolved')).body).toMatchObject({
          status: { name: 'Resolved', category: 'done' },
          transition: { id: '111', name: 'Resolve this issue' },
        });
        expect((await move('Closed')).body).toMatchObject({
          transition: { id: '121', name: 'Close' },
        });
        expect(incident.status).toBe(STATUSES.closed);
        expect(double.bodiesOf(postRoute(double.model.api))).toEqual([
          { transition: { id: '111' } },
          { transition: { id: '121' } },
        ]);
      });
    });

    it.each([
      [404, 'JIRA_NOT_FOUND'],
      [403, 'JIRA_FORBIDDEN'],
    ])('when Jira answers %i to the transition list then %s is answered', async (status, code) => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      double.faults.add({
        kind: 'status',
        status,
        route: `GET ${double.model.api}/issue/{issueIdOrKey}/transitions`,
      });
      const answer = await transition(issue.key, { transition: { id: '31' } });
      expect(answer.body).toMatchObject({ code, jiraStatus: status });
      expect(double.callsTo(postRoute(double.model.api))).toBe(0);
    });
  });
});
