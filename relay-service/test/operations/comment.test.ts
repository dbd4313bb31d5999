import type { AdfDoc } from '../../src/jira/adf-document';
import { adfPlainText } from '../../src/templates/adf';
import { COMMENT_MAX_LENGTH, renderCommentBody } from '../../src/templates/comment-body';
import {
  CONNECTION,
  DEPLOYMENTS,
  RECORD,
  USER,
  useIssueActionsWorld,
  template,
  type Deployment,
  type IssueActionsWorld,
} from './view-fixture';

const RECORD_REF = { id: RECORD.id, url: RECORD.url };

/** The longest user text Jira still accepts once the attribution line is in front of it. */
function longestAccepted(deployment: Deployment): number {
  const rendered = renderCommentBody({ deployment, text: 'x', user: USER, record: RECORD_REF });
  const length = typeof rendered === 'string' ? rendered.length : adfPlainText(rendered).length;
  return COMMENT_MAX_LENGTH - (length - 1);
}

describe('commenting on a linked issue from Salesforce', () => {
  let world: IssueActionsWorld;
  useIssueActionsWorld((started) => (world = started));

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    const connection = CONNECTION[deployment];
    const commentRoute = (api: string) => `POST ${api}/issue/{issueIdOrKey}/comment`;

    it('when a user comments then one Jira call posts the text after an attribution naming them and linking the record', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      const text = 'Customer called again.\nStill failing — see *screenshot*';

      const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
        connection,
        body: text,
        record: RECORD_REF,
        user: USER,
      });

      expect(answer.status).toBe(201);
      expect(answer.body).toEqual({
        comment: { id: issue.comments[0]!.id, created: expect.stringMatching(/Z$/) },
      });
      expect(double.jiraCalls).toBe(1);
      const body = issue.comments[0]!.body;
      if (deployment === 'cloud') {
        const doc = body as AdfDoc;
        expect(doc).toMatchObject({ type: 'doc', version: 1 });
        expect(adfPlainText(doc)).toBe(
          `Comment by Sam Agent (sam@acme.example) in Salesforce on record ${RECORD.id}\n\n${text}`,
        );
        expect(JSON.stringify(doc.content[0])).toContain(RECORD.url);
      } else {
        expect(body).toMatch(
          new RegExp(
            `^Comment by \\*Sam Agent \\(sam@acme.example\\)\\* in Salesforce on record \\[${RECORD.id}\\|`,
          ),
        );
        // The user's markup characters stay text: they cannot make bold or links in Jira.
        expect(body).not.toContain(' *screenshot*');
      }

      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Comment',
        outcome: 'Success',
        issueKey: issue.key,
        recordId: RECORD.id,
        connection,
        fieldsSent: ['comment'],
      });
      expect(JSON.stringify(event)).not.toContain('Customer called again');
    });

    it('when the text is 40,000 characters then it is refused with its length and the limit, and Jira is not called', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);

      const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
        connection,
        body: 'a'.repeat(40_000),
        record: RECORD_REF,
        user: USER,
      });

      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        maxLength: 32_767,
        fieldErrors: [expect.objectContaining({ field: 'body' })],
      });
      expect(answer.body.detail).toMatch(/Jira accepts at most 32,767/);
      expect(double.callsTo(commentRoute(double.model.api))).toBe(0);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Comment',
        outcome: 'Failed',
        errorCode: 'VALIDATION_FAILED',
      });
    });

    it('when the text is exactly as long as Jira accepts then it is posted, and one more character is refused', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      const limit = longestAccepted(deployment);

      const atLimit = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
        connection,
        body: 'b'.repeat(limit),
        record: RECORD_REF,
        user: USER,
      });
      const overLimit = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
        connection,
        body: 'b'.repeat(limit + 1),
        record: RECORD_REF,
        user: USER,
      });

      expect(atLimit.status).toBe(201);
      expect(overLimit.status).toBe(400);
      expect(double.callsTo(commentRoute(double.model.api))).toBe(1);
    });

    it('when the template does not allow comments then COMMENTS_NOT_ALLOWED is answered, audited as Denied, and Jira is not called', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);

      const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
        connection,
        body: 'hello',
        record: RECORD_REF,
        user: USER,
        template: template(deployment, { allowComments: false }),
      });

      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({
        code: 'COMMENTS_NOT_ALLOWED',
        detail: 'The template "Support cases" does not allow comments from Salesforce.',
      });
      expect(double.jiraCalls).toBe(0);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Comment',
        outcome: 'Denied',
        errorCode: 'COMMENTS_NOT_ALLOWED',
        templateId: 'a0B5g00000T3mPlAAB',
      });
    });

    it('when the connection forbids comments without a template then only templated comments go through', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      const off = await world.admin.call('PATCH', `/v1/connections/${connection}`, {
        allowCommentsWithoutTemplate: false,
      });
      expect(off.status).toBe(200);
      expect(off.body.allowCommentsWithoutTemplate).toBe(false);
      try {
        const refused = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
          connection,
          body: 'hello',
          record: RECORD_REF,
          user: USER,
        });
        expect(refused.status).toBe(403);
        expect(refused.body).toMatchObject({
          code: 'COMMENTS_NOT_ALLOWED',
          detail: `Connection "${connection}" does not allow comments on issues linked without a template.`,
        });
        expect(double.jiraCalls).toBe(0);

        const templated = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
          connection,
          body: 'hello',
          record: RECORD_REF,
          user: USER,
          template: template(deployment, { allowComments: true }),
        });
        expect(templated.status).toBe(201);
      } finally {
        const on = await world.admin.call('PATCH', `/v1/connections/${connection}`, {
          allowCommentsWithoutTemplate: true,
        });
        expect(on.body.allowCommentsWithoutTemplate).toBe(true);
      }
    });

    it('when connection settings are empty or unknown then nothing changes', async () => {
      expect((await world.admin.call('PATCH', `/v1/connections/${connection}`, {})).body.code).toBe(
        'VALIDATION_FAILED',
      );
      expect(
        (await world.admin.call('PATCH', `/v1/connections/${connection}`, { token: 'x' })).body
          .code,
      ).toBe('VALIDATION_FAILED');
      expect(
        (
          await world.admin.call('PATCH', '/v1/connections/nope', {
            allowCommentsWithoutTemplate: false,
          })
        ).body.code,
      ).toBe('CONNECTION_NOT_FOUND');
    });

    it('when the template allows comments then the comment is posted', async () => {
      const issue = world.seed(deployment);
      const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
        connection,
        body: 'hello',
        record: RECORD_REF,
        user: USER,
        template: template(deployment, { allowComments: true }),
      });
      expect(answer.status).toBe(201);
      expect(issue.comments).toHaveLength(1);
    });

    it.each([
      [404, 'JIRA_NOT_FOUND'],
      [403, 'JIRA_FORBIDDEN'],
      [400, 'JIRA_VALIDATION'],
    ])('when Jira answers %i then %s is answered', async (status, code) => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);
      double.faults.add({ kind: 'status', status, route: commentRoute(double.model.api) });
      const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
        connection,
        body: 'hello',
        record: RECORD_REF,
        user: USER,
      });
      expect(answer.body).toMatchObject({ code, jiraStatus: status });
      // A comment is not retried: a second post could duplicate it.
      expect(double.callsTo(commentRoute(double.model.api))).toBe(1);
    });
  });

  it('when the comment is blank then it is refused before Jira is called', async () => {
    const issue = world.seed('cloud');
    const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
      connection: 'cloud',
      body: '  \n ',
      record: RECORD_REF,
      user: USER,
    });
    expect(answer.status).toBe(400);
    expect(world.doubles.cloud.jiraCalls).toBe(0);
  });

  it('when the body names no record then it is refused naming the missing member', async () => {
    // The attribution links the record, so a comment without one cannot be attributed.
    const issue = world.seed('cloud');
    const answer = await world.admin.call('POST', `/v1/issues/${issue.key}/comments`, {
      connection: 'cloud',
      body: 'Customer reports checkout fails — see case 00001026',
    });
    expect(answer.status).toBe(400);
    expect(answer.body.fieldErrors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'record' })]),
    );
  });
});
