import { HTTPS_SITE } from '../support/connections';
import { recordGlobalId } from '../../src/jira/endpoints/remote-links';
import { ORG_ID } from '../support/relay';
import {
  CONNECTION,
  DEPLOYMENTS,
  RECORD,
  useIssueActionsWorld,
  template,
  type IssueActionsWorld,
} from './view-fixture';

describe('linking an existing issue to a record', () => {
  let world: IssueActionsWorld;
  useIssueActionsWorld((started) => (world = started));

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    const connection = CONNECTION[deployment];
    const remoteLinkRoute = (api: string) => `POST ${api}/issue/{issueIdOrKey}/remotelink`;

    it('when the template asks for a remote link then the issue is verified and linked back to the record', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment, { summary: 'Checkout fails on Safari' });

      const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/links`, {
        connection,
        record: RECORD,
        template: template(deployment, { remoteLink: true }),
      });

      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({
        issue: {
          key: issue.key,
          id: issue.id,
          url: `${HTTPS_SITE[deployment]}/browse/${issue.key}`,
          summary: 'Checkout fails on Safari',
          status: { name: 'To Do', category: 'new' },
        },
        remoteLink: true,
      });
      expect(double.jiraCalls).toBe(2);
      expect(issue.remoteLinks).toEqual([
        expect.objectContaining({
          globalId: recordGlobalId(ORG_ID, RECORD.id),
          object: expect.objectContaining({ url: RECORD.url, title: RECORD.title }),
        }),
      ]);

      // Linking again updates the same remote link instead of adding a second one.
      await world.admin.call('POST', `/v1/issues/${issue.key}/links`, {
        connection,
        record: RECORD,
        template: template(deployment, { remoteLink: true }),
      });
      expect(issue.remoteLinks).toHaveLength(1);

      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Link',
        outcome: 'Success',
        issueKey: issue.key,
        recordId: RECORD.id,
        templateId: 'a0B5g00000T3mPlAAB',
        connection,
      });
    });

    it.each([
      [
        'a template without remote links',
        (d: typeof deployment) => template(d, { remoteLink: false }),
      ],
      ['no template', () => null],
    ])(
      'when linking with %s then the issue is verified and no remote link is added',
      async (_what, tpl) => {
        const double = world.doubles[deployment];
        const issue = world.seed(deployment);

        const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/links`, {
          connection,
          record: RECORD,
          template: tpl(deployment),
        });

        expect(answer.status).toBe(200);
        expect(answer.body.remoteLink).toBe(false);
        expect(double.jiraCalls).toBe(1);
        expect(double.callsTo(remoteLinkRoute(double.model.api))).toBe(0);
        expect(issue.remoteLinks).toEqual([]);
      },
    );

    it('when the issue does not exist then JIRA_NOT_FOUND is answered and nothing is written', async () => {
      const double = world.doubles[deployment];
      const answer = await world.admin.call('POST', `/v1/issues/SUP-424242/links`, {
        connection,
        record: RECORD,
        template: template(deployment),
      });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ code: 'JIRA_NOT_FOUND', jiraStatus: 404 });
      expect(double.callsTo(remoteLinkRoute(double.model.api))).toBe(0);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Link',
        outcome: 'Failed',
        errorCode: 'JIRA_NOT_FOUND',
      });
    });

    it('when Jira forbids the issue then JIRA_FORBIDDEN is answered, kept apart from not found, and audited as Denied', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      double.faults.add({
        kind: 'status',
        status: 403,
        route: `GET ${double.model.api}/issue/{issueIdOrKey}`,
      });
      const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/links`, {
        connection,
        record: RECORD,
        template: template(deployment),
      });
      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ code: 'JIRA_FORBIDDEN', jiraStatus: 403 });
      expect(double.callsTo(remoteLinkRoute(double.model.api))).toBe(0);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Link',
        outcome: 'Denied',
        errorCode: 'JIRA_FORBIDDEN',
      });
    });
  });

  it('when the template belongs to another connection then the link is refused before Jira is called', async () => {
    const issue = world.seed('cloud');
    const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/links`, {
      connection: 'cloud',
      record: RECORD,
      template: template('server'),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(world.doubles.cloud.jiraCalls + world.doubles.server.jiraCalls).toBe(0);
  });

  it('when the template is malformed then TEMPLATE_INVALID names the bad member', async () => {
    const issue = world.seed('cloud');
    const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/links`, {
      connection: 'cloud',
      record: RECORD,
      template: { ...template('cloud'), remoteLink: 'yes' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 'TEMPLATE_INVALID',
      fieldErrors: [expect.objectContaining({ field: 'template.remoteLink' })],
    });
    expect(world.doubles.cloud.jiraCalls).toBe(0);
  });
});
