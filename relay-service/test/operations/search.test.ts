import { HTTPS_SITE } from '../support/connections';
import {
  CONNECTION,
  DEPLOYMENTS,
  useIssueActionsWorld,
  type IssueActionsWorld,
} from './view-fixture';

describe('searching for an issue to link', () => {
  let world: IssueActionsWorld;
  useIssueActionsWorld((started) => (world = started));

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    const connection = CONNECTION[deployment];

    it('when a user types words then the issue picker results come back with browse URLs', async () => {
      const double = world.doubles[deployment];
      const match = world.seed(deployment, { summary: 'Payment gateway timeout' });
      world.seed(deployment, { summary: 'Unrelated' });

      const answer = await world.admin.call(
        'GET',
        `/v1/jira/${connection}/issues/search?query=${encodeURIComponent('gateway')}`,
      );

      expect(answer.status).toBe(200);
      expect(answer.body.issues).toEqual([
        {
          key: match.key,
          id: match.id,
          url: `${HTTPS_SITE[deployment]}/browse/${match.key}`,
          summary: 'Payment gateway timeout',
          exact: false,
        },
      ]);
      expect(double.jiraCalls).toBe(1);
    });

    it('when a user types an issue key then that issue comes first with its status, once', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment, { summary: 'Exact one' });

      const answer = await world.admin.call(
        'GET',
        `/v1/jira/${connection}/issues/search?query=${issue.key.toLowerCase()}`,
      );

      const issues = answer.body.issues as { key: string; exact: boolean; status?: unknown }[];
      expect(issues[0]).toMatchObject({
        key: issue.key,
        exact: true,
        status: { name: 'To Do', category: 'new' },
      });
      expect(issues.filter((i) => i.key === issue.key)).toHaveLength(1);
      expect(double.callsTo(`GET ${double.model.api}/issue/picker`)).toBe(1);
      expect(double.callsTo(`GET ${double.model.api}/issue/{issueIdOrKey}`)).toBe(1);
    });

    it('when a typed key does not exist then the picker results still come back', async () => {
      const answer = await world.admin.call(
        'GET',
        `/v1/jira/${connection}/issues/search?query=SUP-987654`,
      );
      expect(answer.status).toBe(200);
      expect(answer.body.issues).toEqual([]);
    });
  });

  it('when the query is empty then it is refused before Jira is called', async () => {
    const answer = await world.admin.call('GET', `/v1/jira/cloud/issues/search?query=%20`);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(world.doubles.cloud.jiraCalls).toBe(0);
  });

  it('when the connection does not exist then CONNECTION_NOT_FOUND is answered', async () => {
    const answer = await world.admin.call('GET', `/v1/jira/nowhere/issues/search?query=x`);
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('CONNECTION_NOT_FOUND');
  });
});
