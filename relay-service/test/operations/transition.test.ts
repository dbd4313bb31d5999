import type { FieldMeta } from '../support/jira-double/model';
import { STATUSES } from '../support/jira-double/model';
import {
  CONNECTION,
  DEPLOYMENTS,
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
        fields: {},
        ...body,
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
          name: 'In Progress',
          toStatus: 'In Progress',
          toStatusCategory: 'indeterminate',
        },
        { id: '31', name: 'Done', toStatus: 'Done', toStatusCategory: 'done' },
      ]);
      expect(world.doubles[deployment].jiraCalls).toBe(1);
    });

    it('when the transitions are listed with only the template id then every transition Jira offers comes back', async () => {
      const issue = world.seed(deployment);
      const answer = await world.admin.call(
        'GET',
        `/v1/issues/${issue.key}/transitions?connection=${connection}&template=a0B5g00000T3mPlAAB`,
      );
      expect((answer.body.transitions as { id: string }[]).map((t) => t.id)).toEqual([
        '11',
        '21',
        '31',
      ]);
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
      expect(answer.body.code).toBe('TRANSITION_NOT_ALLOWED');
      expect(double.jiraCalls).toBe(0);
    });

    it('when the transition screen requires a field that is not given then it is named and nothing is sent', async () => {
      const double = world.doubles[deployment];
      double.model.transitionScreens.set('31', [RESOLUTION]);
      const issue = world.seed(deployment);

      const answer = await transition(issue.key, { transition: { toStatus: 'Done' } });

      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({
        code: 'JIRA_VALIDATION',
        fieldErrors: [
          {
            field: 'fields.resolution',
            message: 'Resolution is required by the "Done" transition',
          },
        ],
        requiredFields: [expect.objectContaining({ id: 'resolution', name: 'Resolution' })],
      });
      expect(double.callsTo(postRoute(double.model.api))).toBe(0);

      const withValue = await transition(issue.key, {
        transition: { toStatus: 'Done' },
        fields: { resolution: { name: 'Fixed' } },
      });
      expect(withValue.status).toBe(200);
      const [event] = await world.auditOf(withValue.headers.get('x-request-id'));
      expect(event?.fieldsSent).toEqual(['resolution']);
      expect(JSON.stringify(event)).not.toContain('Fixed');
    });

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
      expect(answer.body.availableTransitions).toHaveLength(3);
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
