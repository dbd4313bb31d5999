import { HTTPS_SITE } from '../support/connections';
import {
  CONNECTION,
  DEPLOYMENTS,
  useIssueActionsWorld,
  type IssueActionsWorld,
} from './view-fixture';

describe('status of many linked issues', () => {
  let world: IssueActionsWorld;
  useIssueActionsWorld((started) => (world = started), { auditViews: true });

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    const connection = CONNECTION[deployment];
    const searchRoute =
      deployment === 'cloud' ? 'GET /rest/api/3/search/jql' : 'POST /rest/api/2/search';

    it('when a record page asks for 20 issues then one Jira search answers and the missing keys are listed', async () => {
      const double = world.doubles[deployment];
      const issues = Array.from({ length: 18 }, (_, i) =>
        world.seed(deployment, { summary: `Issue ${i}`, priority: { id: '2', name: 'High' } }),
      );
      const keys = [...issues.map((i) => i.key), 'SUP-99999', 'GONE-1'];

      const answer = await world.admin.call(
        'GET',
        `/v1/issues?connection=${connection}&keys=${encodeURIComponent(keys.join(','))}`,
      );

      expect(answer.status).toBe(200);
      expect(double.jiraCalls).toBe(1);
      expect(double.callsTo(searchRoute)).toBe(1);
      const listed = answer.body.issues as Record<string, unknown>[];
      expect(listed.map((i) => i.key)).toEqual(issues.map((i) => i.key));
      expect(listed[0]).toEqual({
        key: issues[0]!.key,
        id: issues[0]!.id,
        url: `${HTTPS_SITE[deployment]}/browse/${issues[0]!.key}`,
        summary: 'Issue 0',
        status: { name: 'To Do', category: 'new' },
        priority: 'High',
        assignee: null,
        updated: expect.stringMatching(/Z$/),
      });
      expect(answer.body.missing).toEqual(['SUP-99999', 'GONE-1']);
    });

    it('when a Jira refuses the search because a key does not exist then that key is missing and the others still come back', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      double.faults.add({
        kind: 'status',
        status: 400,
        route: searchRoute,
        body: {
          errorMessages: ["An issue with key 'SUP-77777' does not exist for field 'key'."],
          errors: {},
        },
      });

      const answer = await world.admin.call(
        'GET',
        `/v1/issues?connection=${connection}&keys=${issue.key},SUP-77777`,
      );

      expect(answer.status).toBe(200);
      expect((answer.body.issues as { key: string }[]).map((i) => i.key)).toEqual([issue.key]);
      expect(answer.body.missing).toEqual(['SUP-77777']);
      expect(double.callsTo(searchRoute)).toBe(2);
    });
  });

  it.each([
    ['a JQL fragment', 'SUP-1) OR project = SECRET OR key in (SUP-2'],
    ['a quoted key', '"SUP-1"'],
    ['no key at all', ''],
  ])(
    'when the keys hold %s then the request is refused before Jira is called',
    async (_what, keys) => {
      const answer = await world.admin.call(
        'GET',
        `/v1/issues?connection=cloud&keys=${encodeURIComponent(keys)}`,
      );
      expect(answer.status).toBe(400);
      expect(answer.body.code).toBe('VALIDATION_FAILED');
      expect(world.doubles.cloud.jiraCalls).toBe(0);
    },
  );

  it('when more than 100 keys are asked for then the request is refused', async () => {
    const keys = Array.from({ length: 101 }, (_, i) => `SUP-${i + 1}`).join(',');
    const answer = await world.admin.call('GET', `/v1/issues?connection=cloud&keys=${keys}`);
    expect(answer.status).toBe(400);
    expect(answer.body.fieldErrors).toEqual([
      expect.objectContaining({ field: 'query.keys', message: expect.stringContaining('100') }),
    ]);
    expect(world.doubles.cloud.jiraCalls).toBe(0);
  });

  it('when the statuses are read then one View audit event is kept for the tenant that audits views', async () => {
    const issue = world.seed('server');
    const answer = await world.admin.call('GET', `/v1/issues?connection=dc&keys=${issue.key}`);
    expect(await world.auditOf(answer.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({ operation: 'View', outcome: 'Success', connection: 'dc' }),
    ]);
  });
});
