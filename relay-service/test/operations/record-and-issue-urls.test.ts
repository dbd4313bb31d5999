import { browseUrl } from '../../src/jira/endpoints/issues';
import { HTTPS_SITE, setConnectionSite } from '../support/connections';
import {
  CONNECTION,
  DEPLOYMENTS,
  RECORD,
  USER,
  template,
  useIssueActionsWorld,
  type IssueActionsWorld,
} from './view-fixture';

/**
 * URLs that leave the template's control: the record URL Apex sends (it becomes the remote link
 * and the comment attribution link in Jira) and the issue URLs the relay hands to Salesforce.
 */

const ACCEPTED_RECORD_URLS = [
  'https://acme.my.salesforce.com/lightning/r/Case/5005g00000Q1w2eAAB/view',
  'https://acme--uat.sandbox.my.salesforce.com/5005g00000Q1w2eAAB',
  'https://acme.lightning.force.com/lightning/r/Case/5005g00000Q1w2eAAB/view',
  'https://acme.my.site.com/s/case/5005g00000Q1w2eAAB',
  'https://acme.my.salesforce-setup.com/lightning/setup/Home',
];

const REFUSED_RECORD_URLS = [
  'http://acme.my.salesforce.com/5005g00000Q1w2eAAB',
  'https://evil.example/5005g00000Q1w2eAAB',
  'https://salesforce.com.evil.example/x',
  'https://acme.my.salesforce.com.evil.example/x',
  'https://evil.example/.salesforce.com',
  'https://evilsalesforce.com/x',
  'https://force.com/x',
  'https://acme.my.salesforce.com@evil.example/x',
  'https://user:secret@acme.my.salesforce.com/x',
  'https://acme.my.salesforce.com:8443/x',
  'javascript:alert(1)//acme.my.salesforce.com',
  'data:text/html,<script>alert(1)</script>',
  'https://127.0.0.1/x',
  '/lightning/r/Case/5005g00000Q1w2eAAB/view',
  'not a url',
];

describe('record and issue URLs', () => {
  let world: IssueActionsWorld;
  useIssueActionsWorld((started) => (world = started));

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    const connection = CONNECTION[deployment];
    const createRecord = (url: string, id = RECORD.id) => ({
      id,
      url,
      objectApiName: 'Case',
      fields: { Subject: 'Checkout fails', Description: 'On Safari' },
    });
    let keys = 0;
    const idempotencyKey = () => `record-url-${deployment}-${Date.now()}-${(keys += 1)}`;

    /** Every route a record URL travels through, with `url` as the record's URL. */
    const callsWith = (url: string, issueKey: string) => ({
      create: () =>
        signedCreate('/v1/issues', {
          template: template(deployment),
          record: createRecord(url),
          user: USER,
        }),
      preview: () =>
        world.admin.call('POST', '/v1/templates/preview', {
          template: template(deployment),
          record: createRecord(url),
        }),
      link: () =>
        world.admin.call('POST', `/v1/issues/${issueKey}/links`, {
          connection,
          record: { ...RECORD, url },
          template: template(deployment),
        }),
      comment: () =>
        world.admin.call('POST', `/v1/issues/${issueKey}/comments`, {
          connection,
          body: 'Customer called again',
          record: { id: RECORD.id, url },
          user: USER,
        }),
    });

    async function signedCreate(path: string, body: unknown) {
      return world.admin.call('POST', path, body, {
        'Idempotency-Key': idempotencyKey(),
      });
    }

    it.each(REFUSED_RECORD_URLS)(
      'when the record URL is %s then create, preview, link and comment refuse it and Jira is not called',
      async (url) => {
        const double = world.doubles[deployment];
        const issue = world.seed(deployment);
        for (const [route, call] of Object.entries(callsWith(url, issue.key))) {
          const answer = await call();
          expect({ route, status: answer.status, code: answer.body.code }).toEqual({
            route,
            status: 400,
            code: 'VALIDATION_FAILED',
          });
          expect(answer.body.fieldErrors).toEqual([
            expect.objectContaining({ field: 'record.url' }),
          ]);
        }
        expect(double.jiraCalls).toBe(0);
      },
    );

    it('when one record of a bulk create has a URL off Salesforce then that record is refused and the others are created', async () => {
      const double = world.doubles[deployment];
      const answer = await world.admin.call(
        'POST',
        '/v1/issues/bulk',
        {
          template: template(deployment),
          records: [
            createRecord(ACCEPTED_RECORD_URLS[0] as string, '5005g00000Q1w2fAAB'),
            createRecord('https://evil.example/phish', '5005g00000Q1w2gAAB'),
          ],
          user: USER,
        },
        { 'Idempotency-Key': idempotencyKey() },
      );
      expect(answer.status).toBe(200);
      const results = answer.body.results as { issue?: unknown; problem?: unknown }[];
      expect(results[0]?.issue).toBeDefined();
      expect(results[1]?.problem).toMatchObject({
        code: 'VALIDATION_FAILED',
        fieldErrors: [expect.objectContaining({ field: 'records.1.url' })],
      });
      const sent = JSON.stringify(double.log.map((entry) => entry.body));
      expect(sent).not.toContain('evil.example');
    });

    it.each(ACCEPTED_RECORD_URLS)(
      'when the record URL is %s then it is linked back from Jira',
      async (url) => {
        const issue = world.seed(deployment);
        const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/links`, {
          connection,
          record: { ...RECORD, url },
          template: template(deployment),
        });
        expect(answer.status).toBe(200);
        expect(issue.remoteLinks[0]?.object).toMatchObject({ url });
      },
    );

    it('when the record URL is written unusually then Jira gets its canonical form', async () => {
      const issue = world.seed(deployment);
      const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/links`, {
        connection,
        record: { ...RECORD, url: 'https://ACME.My.Salesforce.com\\lightning/r/Case/x/view' },
        template: template(deployment),
      });
      expect(answer.status).toBe(200);
      expect(issue.remoteLinks[0]?.object).toMatchObject({
        url: 'https://acme.my.salesforce.com/lightning/r/Case/x/view',
      });
    });

    it('when the Jira site is not https then no issue URL is handed out by any route', async () => {
      const double = world.doubles[deployment];
      await setConnectionSite(world.relay, connection, double.url);
      try {
        const issue = world.seed(deployment, { summary: 'Plain http site' });
        const status = await world.admin.call(
          'GET',
          `/v1/issues?connection=${connection}&keys=${issue.key}`,
        );
        const view = await world.admin.call(
          'GET',
          `/v1/issues/${issue.key}?connection=${connection}`,
        );
        const link = await world.admin.call('POST', `/v1/issues/${issue.key}/links`, {
          connection,
          record: RECORD,
          template: template(deployment),
        });
        const search = await world.admin.call(
          'GET',
          `/v1/jira/${connection}/issues/search?query=${issue.key}&projects=SUP`,
        );
        const created = await signedCreate('/v1/issues', {
          template: template(deployment),
          record: createRecord(RECORD.url),
          user: USER,
        });
        expect(created.status).toBe(201);
        const urls = [
          (status.body.issues as { url: unknown }[])[0]?.url,
          view.body.url,
          (link.body.issue as { url: unknown }).url,
          (search.body.issues as { url: unknown }[])[0]?.url,
          (created.body.issue as { url: unknown }).url,
        ];
        expect(urls).toEqual([null, null, null, null, null]);
      } finally {
        await setConnectionSite(world.relay, connection, HTTPS_SITE[deployment]);
      }
    });
  });

  it.each([
    ['http://jira.acme.example', null],
    ['javascript:alert(1)//', null],
    ['https://user:pw@jira.acme.example', null],
    ['not a url', null],
    ['https://jira.acme.example/jira/', 'https://jira.acme.example/jira/browse/SUP-1'],
    ['https://acme.atlassian.net', 'https://acme.atlassian.net/browse/SUP-1'],
  ])('when the site is %s then the browse URL is %s', (site, expected) => {
    expect(browseUrl(site, 'SUP-1')).toBe(expected);
  });
});
