import { HTTPS_SITE } from '../support/connections';
import { ORG_ID } from '../support/relay';
import {
  CONNECTION,
  DEPLOYMENTS,
  richText,
  useIssueActionsWorld,
  type IssueActionsWorld,
} from './view-fixture';

const HOSTILE = [
  '<script>alert("x")</script>',
  '<img src=x onerror="alert(1)">',
  '<a href="javascript:alert(2)">click</a>',
  '<svg onload="alert(3)"><circle r="1"/></svg>',
].join(' ');

/** What must never reach the Salesforce page from Jira content. */
function expectInert(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<svg/i);
  expect(html).not.toMatch(/<img/i);
  expect(html).not.toMatch(/\son\w+\s*=/i);
  expect(html).not.toMatch(/javascript:/i);
}

describe('inline view of an issue', () => {
  let world: IssueActionsWorld;
  useIssueActionsWorld((started) => (world = started), { auditViews: true });

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    const connection = CONNECTION[deployment];

    it('when a user opens a linked issue then one Jira call answers the whole view', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment, {
        description: richText(deployment, 'Customer reports checkout fails'),
        labels: ['checkout', 'vip'],
        priority: { id: '1', name: 'Highest' },
      });
      double.model.addComment(
        issue,
        richText(deployment, 'Called the customer'),
        double.model.users[0]!,
      );

      const view = await world.admin.call(
        'GET',
        `/v1/issues/${issue.key}?connection=${connection}`,
      );

      expect(view.status).toBe(200);
      expect(double.jiraCalls).toBe(1);
      expect(double.log[0]?.key).toBe(`GET ${double.model.api}/issue/{issueIdOrKey}`);
      expect(view.body).toMatchObject({
        key: issue.key,
        url: `${HTTPS_SITE[deployment]}/browse/${issue.key}`,
        summary: 'Checkout fails',
        status: { name: 'To Do', category: 'new' },
        issueType: 'Bug',
        priority: 'Highest',
        assignee: null,
        reporter: 'Ada Admin',
        labels: ['checkout', 'vip'],
        descriptionHtml: '<p>Customer reports checkout fails</p>',
        comments: [
          {
            id: expect.any(String),
            author: 'Ada Admin',
            created: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
            bodyHtml: '<p>Called the customer</p>',
          },
        ],
        transitions: [
          { id: '21', name: 'Start work', toStatus: 'In Progress' },
          { id: '31', name: 'Resolve', toStatus: 'Done' },
        ],
      });
      expect(view.body.created).toMatch(/Z$/);
      expect(double.violations).toEqual([]);
    });

    it('when the description and a comment hold script, handlers and javascript: links then they come back inert', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment, { description: richText(deployment, HOSTILE) });
      double.model.addComment(issue, richText(deployment, HOSTILE), double.model.users[0]!);

      const view = await world.admin.call(
        'GET',
        `/v1/issues/${issue.key}?connection=${connection}`,
      );

      expect(view.status).toBe(200);
      const description = view.body.descriptionHtml as string;
      const comment = (view.body.comments as { bodyHtml: string }[])[0]?.bodyHtml ?? '';
      for (const html of [description, comment]) {
        expectInert(html);
        // The harmless parts survive: the link text stays, without its link.
        expect(html).toContain('click');
      }
    });

    it('when an issue has many comments then the most recent come first and the total is given', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      for (let i = 1; i <= 25; i += 1)
        double.model.addComment(issue, richText(deployment, `note ${i}`), double.model.users[0]!);

      const view = await world.admin.call(
        'GET',
        `/v1/issues/${issue.key}?connection=${connection}`,
      );

      const comments = view.body.comments as { bodyHtml: string }[];
      expect(comments).toHaveLength(20);
      expect(comments[0]?.bodyHtml).toBe('<p>note 25</p>');
      expect(view.body.commentCount).toBe(25);
    });

    it('when Jira answers 429 with Retry-After then the view waits that long, retries once and succeeds', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      double.faults.add({ kind: 'rateLimit', retryAfterSeconds: 3 });

      const view = await world.admin.call(
        'GET',
        `/v1/issues/${issue.key}?connection=${connection}`,
      );

      expect(view.status).toBe(200);
      expect(double.callsTo(`GET ${double.model.api}/issue/{issueIdOrKey}`)).toBe(2);
      expect(world.sleeps).toEqual([3000]);
    });

    it.each([
      [404, 'JIRA_NOT_FOUND', 404],
      [403, 'JIRA_FORBIDDEN', 403],
      [400, 'JIRA_VALIDATION', 422],
    ])(
      'when Jira answers %i then the view fails with %s and the audit says so',
      async (jiraStatus, code, status) => {
        const double = world.doubles[deployment];
        const issue = world.seed(deployment);
        double.faults.add({
          kind: 'status',
          status: jiraStatus,
          route: `GET ${double.model.api}/issue/{issueIdOrKey}`,
        });

        const view = await world.admin.call(
          'GET',
          `/v1/issues/${issue.key}?connection=${connection}`,
        );

        expect(view.status).toBe(status);
        expect(view.body).toMatchObject({ code, jiraStatus });
        const [event] = await world.auditOf(view.headers.get('x-request-id'));
        expect(event).toMatchObject({
          operation: 'View',
          outcome: code === 'JIRA_FORBIDDEN' ? 'Denied' : 'Failed',
          errorCode: code,
          jiraStatus,
          issueKey: issue.key,
        });
      },
    );

    it('when the view succeeds then a View audit event names the issue and the connection', async () => {
      const issue = world.seed(deployment);
      const view = await world.admin.call(
        'GET',
        `/v1/issues/${issue.key}?connection=${connection}`,
      );
      const events = await world.auditOf(view.headers.get('x-request-id'));
      expect(events).toEqual([
        expect.objectContaining({
          operation: 'View',
          outcome: 'Success',
          issueKey: issue.key,
          connection,
          actingUserId: '0055g00000AbCdEFGH',
        }),
      ]);
    });

    it('when the key is typed in lower case then the issue is still found', async () => {
      const issue = world.seed(deployment);
      const view = await world.admin.call(
        'GET',
        `/v1/issues/${issue.key.toLowerCase()}?connection=${connection}`,
      );
      expect(view.status).toBe(200);
      expect(view.body.key).toBe(issue.key);
    });
  });

  it('when the path segment is not an issue key then it is refused before Jira is called', async () => {
    const view = await world.admin.call('GET', `/v1/issues/bulk?connection=cloud`);
    expect(view.status).toBe(400);
    expect(view.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(world.doubles.cloud.jiraCalls).toBe(0);
  });

  it('when the tenant does not audit views then a successful view leaves no event', async () => {
    await world.relay.services.tenants.setAuditViews(ORG_ID, false);
    try {
      const issue = world.seed('cloud');
      const view = await world.admin.call('GET', `/v1/issues/${issue.key}?connection=cloud`);
      expect(view.status).toBe(200);
      expect(await world.auditOf(view.headers.get('x-request-id'))).toEqual([]);
    } finally {
      await world.relay.services.tenants.setAuditViews(ORG_ID, true);
    }
  });
});
