import { HTTPS_SITE } from '../support/connections';
import type { Issue } from '../support/jira-double/model';
import {
  CONNECTION,
  DEPLOYMENTS,
  useIssueActionsWorld,
  type Deployment,
  type IssueActionsWorld,
} from './view-fixture';

describe('searching for an issue to link', () => {
  let world: IssueActionsWorld;
  useIssueActionsWorld((started) => (world = started));

  /** `projects: null` sends no projects parameter at all. */
  const search = (deployment: Deployment, query: string, projects: string | null = 'SUP') =>
    world.admin.call(
      'GET',
      `/v1/jira/${CONNECTION[deployment]}/issues/search?query=${encodeURIComponent(query)}${
        projects === null ? '' : `&projects=${encodeURIComponent(projects)}`
      }`,
    );

  /** An issue in the double's OPS project (the world seeds SUP). */
  const seedOps = (deployment: Deployment, summary: string): Issue => {
    return world.doubles[deployment].model.seedIssue('OPS', { summary });
  };

  /** The currentJQL the relay gave Jira's issue picker in this test. */
  const pickerJql = (deployment: Deployment) => {
    const double = world.doubles[deployment];
    return double.log
      .filter((e) => e.key === `GET ${double.model.api}/issue/picker`)
      .map((e) => new URLSearchParams(e.search).get('currentJQL'));
  };

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    it('when a user types words then the issue picker results come back with browse URLs', async () => {
      const double = world.doubles[deployment];
      const match = world.seed(deployment, { summary: 'Payment gateway timeout' });
      world.seed(deployment, { summary: 'Unrelated' });

      const answer = await search(deployment, 'gateway');

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

    it('when projects are given then the picker searches only those, with project in (…) as its JQL', async () => {
      const sup = world.seed(deployment, { summary: 'Refund ledger drift' });
      const ops = seedOps(deployment, 'Refund ledger drift on the night batch');

      const onlySup = await search(deployment, 'ledger drift', 'SUP');
      expect((onlySup.body.issues as { key: string }[]).map((i) => i.key)).toEqual([sup.key]);

      const both = await search(deployment, 'ledger drift', 'sup, OPS,SUP');
      expect((both.body.issues as { key: string }[]).map((i) => i.key).sort()).toEqual(
        [sup.key, ops.key].sort(),
      );
      expect(pickerJql(deployment)).toEqual(['project in ("SUP")', 'project in ("SUP", "OPS")']);
    });

    it('when a typed key belongs to a project not searched then it is no hit', async () => {
      const ops = seedOps(deployment, 'Night batch stuck');

      const answer = await search(deployment, ops.key, 'SUP');

      expect(answer.status).toBe(200);
      expect(answer.body.issues).toEqual([]);
      const inOps = await search(deployment, ops.key.toLowerCase(), 'SUP,OPS');
      expect(inOps.body.issues).toEqual([expect.objectContaining({ key: ops.key, exact: true })]);
    });

    it('when Jira lists an issue of another project anyway then the relay drops it', async () => {
      const double = world.doubles[deployment];
      const sup = world.seed(deployment, { summary: 'Shared wording' });
      const ops = seedOps(deployment, 'Shared wording');
      // A picker answer whose history section ignores currentJQL.
      double.faults.add({
        route: `GET ${double.model.api}/issue/picker`,
        kind: 'status',
        status: 200,
        body: {
          sections: [
            {
              label: 'History Search',
              id: 'hs',
              issues: [sup, ops].map((i) => ({
                id: Number(i.id),
                key: i.key,
                summary: 'Shared wording',
                summaryText: 'Shared wording',
              })),
            },
          ],
        },
      });

      const answer = await search(deployment, 'shared', 'SUP');

      expect((answer.body.issues as { key: string }[]).map((i) => i.key)).toEqual([sup.key]);
    });

    it('when a user types an issue key then that issue comes first with its status, once', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment, { summary: 'Exact one' });

      const answer = await search(deployment, issue.key.toLowerCase());

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
      const answer = await search(deployment, 'SUP-987654');
      expect(answer.status).toBe(200);
      expect(answer.body.issues).toEqual([]);
    });
  });

  it.each([
    ['no projects', null],
    ['an empty list', ''],
    ['only commas', ' , ,'],
    ['a quote', 'SUP,"OPS'],
    ['JQL', 'SUP) OR project is not EMPTY OR (project = SUP'],
    ['a key starting with a digit', '1SUP'],
    ['too many projects', Array.from({ length: 51 }, (_, i) => `P${i}`).join(',')],
  ])(
    'when the projects are %s then it is refused VALIDATION_FAILED before Jira is called',
    async (_, projects) => {
      const answer = await search('cloud', 'checkout', projects);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        fieldErrors: [
          expect.objectContaining({ field: expect.stringMatching(/^query\.projects/) }),
        ],
      });
      expect(world.doubles.cloud.jiraCalls).toBe(0);
    },
  );

  it('when the query is empty then it is refused before Jira is called', async () => {
    const answer = await search('cloud', ' ');
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('VALIDATION_FAILED');
    expect(world.doubles.cloud.jiraCalls).toBe(0);
  });

  it('when the connection does not exist then CONNECTION_NOT_FOUND is answered', async () => {
    const answer = await world.admin.call(
      'GET',
      `/v1/jira/nowhere/issues/search?query=x&projects=SUP`,
    );
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('CONNECTION_NOT_FOUND');
  });
});
