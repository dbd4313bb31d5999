import type { AuditEvent } from '../../src/audit/audit-event';
import type { AdfDoc } from '../../src/jira/adf-document';
import type { RecordFilesSource } from '../../src/operations/attachments';
import {
  commentBody,
  commentOnIssue,
  commentsAllowedByDefault,
  type CommentDeps,
  type CommentsWithoutTemplate,
} from '../../src/operations/comment';
import { adfPlainText } from '../../src/templates/adf';
import { COMMENT_MAX_LENGTH } from '../../src/templates/comment-body';
import {
  CONNECTION,
  DEPLOYMENTS,
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
 * The comment operation itself, without a relay: commentOnIssue on an SQLite store (the audit
 * outbox) and the Jira doubles on 127.0.0.1. Who may comment (the template, or the connection's
 * setting for issues linked without one), the attribution (the connection's Jira account names
 * the Salesforce user; the user's own account only links the record), the length Jira accepts,
 * files sent with the comment, and what Jira's failures become. comment.test.ts covers the
 * route through a relay.
 */

const TEXT = 'Customer called again.\nStill failing — see *screenshot*';
const FILE_ID = '068000000000001AAA';
const FILE_BYTES = Buffer.from('trace lines\n');
const ATTACHMENTS = { extensions: ['log'], maxFileBytes: 1_000, maxTotalBytes: 1_000, maxFiles: 2 };

describe('the comment operation', () => {
  let world: OperationWorld;
  useOperationWorld((started) => (world = started));

  const jira = (deployment: Deployment = 'cloud') => world.doubles[deployment];
  const commentRoute = (deployment: Deployment = 'cloud') =>
    `POST ${jira(deployment).model.api}/issue/{issueIdOrKey}/comment`;
  const depsWith = (extra: Partial<CommentDeps> = {}): CommentDeps => ({
    ...world.deps,
    logger: world.logger,
    ...extra,
  });
  /** The request as the route hands it over: checked by the body schema first. */
  const body = (deployment: Deployment, input: Record<string, unknown> = {}) =>
    commentBody.parse({
      connection: CONNECTION[deployment],
      body: TEXT,
      record: RECORD,
      user: USER,
      ...input,
    });
  const comment = (
    key: string,
    input: Record<string, unknown> = {},
    options: {
      deployment?: Deployment;
      who?: ReturnType<OperationWorld['caller']>;
    } & Partial<CommentDeps> = {},
  ) => {
    const { deployment = 'cloud', who = world.caller(), ...extra } = options;
    return commentOnIssue(depsWith(extra), who, key, body(deployment, input));
  };
  const onlyEvent = async (requestId: string): Promise<AuditEvent> => {
    const events = await world.eventsOf(requestId);
    expect(events).toHaveLength(1);
    return events[0] as AuditEvent;
  };
  const plain = (posted: unknown) => adfPlainText(posted as AdfDoc);

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    it("when a user comments through the connection's Jira account then one call posts an attribution naming them and linking the record, then the text", async () => {
      const issue = world.seed(deployment);
      const who = world.caller();

      const answer = await comment(issue.key, {}, { deployment, who });

      const [posted] = issue.comments;
      expect(answer).toEqual({
        comment: { id: posted?.id, created: new Date(posted?.created ?? '').toISOString() },
      });
      expect(answer.comment.created).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
      expect(jira(deployment).jiraCalls).toBe(1);
      expect(posted?.author.name).toBe('ada');
      if (deployment === 'cloud') {
        const doc = posted?.body as AdfDoc;
        expect(plain(doc)).toBe(
          `Comment by Sam Agent (sam@acme.example) in Salesforce on record ${RECORD.id}\n\n${TEXT}`,
        );
        expect(JSON.stringify(doc.content[0])).toContain(`"href":"${RECORD.url}"`);
      } else {
        expect(posted?.body).toBe(
          `Comment by *Sam Agent (sam@acme.example)* in Salesforce on record [${RECORD.id}|${RECORD.url}]\n\n` +
            'Customer called again.\nStill failing — see \\*screenshot\\*',
        );
      }
      const event = await onlyEvent(who.requestId);
      expect(event).toMatchObject({
        requestId: who.requestId,
        orgId: ORG,
        operation: 'Comment',
        outcome: 'Success',
        actingUserId: who.userId,
        issueKey: issue.key,
        recordId: RECORD.id,
        connection: CONNECTION[deployment],
        templateId: null,
        fieldsSent: ['comment'],
        identity: 'service',
        errorCode: null,
      });
      expect(event).not.toHaveProperty('filesSent');
      expect(JSON.stringify(event)).not.toContain('Customer called again');
    });

    it('when the user acts with his own Jira account then Jira names him as the author and the first line only links the record', async () => {
      const issue = world.seed(deployment);
      const who = world.caller(SAM);

      await comment(issue.key, {}, { deployment, who });

      const [posted] = issue.comments;
      expect(posted?.author.name).toBe('sam');
      if (deployment === 'cloud') {
        expect(plain(posted?.body)).toBe(`From Salesforce record ${RECORD.id}\n\n${TEXT}`);
      } else {
        expect(posted?.body).toMatch(
          new RegExp(`^From Salesforce record \\[${RECORD.id}\\|[^\\]]+\\]\\n\\nCustomer called`),
        );
      }
      expect(await onlyEvent(who.requestId)).toMatchObject({
        outcome: 'Success',
        identity: 'user',
        actingUserId: SAM,
      });
    });
  });

  describe('who may comment', () => {
    it('when the template does not allow comments then COMMENTS_NOT_ALLOWED is answered, audited as Denied, and Jira is not called', async () => {
      const issue = world.seed('cloud');
      const who = world.caller();

      const error = await failureOf(
        comment(
          issue.key,
          { template: template(CONNECTION.cloud, { allowComments: false }) },
          { who },
        ),
      );

      expect(error).toMatchObject({
        code: 'COMMENTS_NOT_ALLOWED',
        status: 403,
        detail: 'The template "Support cases" does not allow comments from Salesforce.',
      });
      expect(jira().jiraCalls).toBe(0);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        operation: 'Comment',
        outcome: 'Denied',
        errorCode: 'COMMENTS_NOT_ALLOWED',
        templateId: TEMPLATE_ID,
        identity: null,
      });
    });

    it("when the template allows comments then it decides, whatever the connection's setting", async () => {
      const issue = world.seed('cloud');
      const asked: string[][] = [];
      const never: CommentsWithoutTemplate = async (orgId, connection) => {
        asked.push([orgId, connection]);
        return false;
      };
      const who = world.caller();
      await comment(
        issue.key,
        { template: template(CONNECTION.cloud, { allowComments: true }) },
        { who, commentsWithoutTemplate: never },
      );
      expect(issue.comments).toHaveLength(1);
      expect(asked).toEqual([]);
      expect(await onlyEvent(who.requestId)).toMatchObject({ templateId: TEMPLATE_ID });
    });

    it("when an issue is linked without a template then the connection's setting decides, asked for the tenant and the connection", async () => {
      const issue = world.seed('cloud');
      const asked: string[][] = [];
      const setting =
        (allowed: boolean): CommentsWithoutTemplate =>
        async (orgId, connection) => {
          asked.push([orgId, connection]);
          return allowed;
        };

      const error = await failureOf(
        comment(issue.key, {}, { commentsWithoutTemplate: setting(false) }),
      );
      expect(error).toMatchObject({
        code: 'COMMENTS_NOT_ALLOWED',
        detail: 'Connection "cloud" does not allow comments on issues linked without a template.',
      });
      expect(jira().jiraCalls).toBe(0);

      await comment(issue.key, {}, { commentsWithoutTemplate: setting(true) });
      expect(issue.comments).toHaveLength(1);
      expect(asked).toEqual([
        [ORG, 'cloud'],
        [ORG, 'cloud'],
      ]);
    });

    it('when no setting is given then comments on issues linked without a template are allowed', async () => {
      await expect(commentsAllowedByDefault(ORG, 'cloud')).resolves.toBe(true);
      const issue = world.seed('cloud');
      await comment(issue.key);
      expect(issue.comments).toHaveLength(1);
    });

    it('when the template is for another connection then it is refused before Jira is called', async () => {
      const issue = world.seed('cloud');
      const error = await failureOf(comment(issue.key, { template: template(CONNECTION.server) }));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(jira().jiraCalls).toBe(0);
    });
  });

  describe('the text', () => {
    it('when it is exactly as long as Jira accepts with the attribution then it is posted, and one more character is refused with its length before Jira is called', async () => {
      const issue = world.seed('cloud');
      const attribution = `Comment by Sam Agent (sam@acme.example) in Salesforce on record ${RECORD.id}\n\n`;
      const limit = COMMENT_MAX_LENGTH - attribution.length;

      await comment(issue.key, { body: 'b'.repeat(limit) });
      const who = world.caller();
      const error = await failureOf(comment(issue.key, { body: 'b'.repeat(limit + 1) }, { who }));

      expect(plain(issue.comments[0]?.body)).toHaveLength(COMMENT_MAX_LENGTH);
      expect(error).toMatchObject({
        code: 'VALIDATION_FAILED',
        detail:
          'The comment is 32,768 characters with its attribution; Jira accepts at most 32,767. Shorten it and try again.',
        extra: { length: 32_768, maxLength: 32_767 },
      });
      expect(jira().callsTo(commentRoute())).toBe(1);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        outcome: 'Failed',
        errorCode: 'VALIDATION_FAILED',
        identity: 'service',
        fieldsSent: [],
      });
    });

    it('when it is blank then it is refused before Jira is called', async () => {
      const issue = world.seed('cloud');
      const error = await failureOf(comment(issue.key, { body: '  \n ' }));
      expect(error).toMatchObject({
        code: 'VALIDATION_FAILED',
        fieldErrors: [{ field: 'body', message: 'must not be empty' }],
      });
      expect(jira().jiraCalls).toBe(0);
    });
  });

  describe('files sent with the comment', () => {
    /** Salesforce's side of the files: one log file linked to the record. */
    const filesOf = () => {
      const asked: unknown[][] = [];
      const source: RecordFilesSource = {
        describe: async (orgId, recordId, ids) => {
          asked.push(['describe', orgId, recordId, ids]);
          return ids
            .filter((id) => id === FILE_ID)
            .map((id) => ({
              id,
              title: 'checkout-trace',
              extension: 'log',
              size: FILE_BYTES.length,
              contentDocumentId: '069000000000001AAA',
              linkedToRecord: true,
            }));
        },
        open: async (orgId, contentVersionId) => {
          asked.push(['open', orgId, contentVersionId]);
          return (async function* () {
            yield new Uint8Array(FILE_BYTES);
          })();
        },
      };
      return { source, asked };
    };
    const files = [{ contentVersionId: FILE_ID }];

    it('when the template allows them then they are attached to the issue after the comment, and the answer and the event say so', async () => {
      const issue = world.seed('cloud');
      const who = world.caller();
      const { source, asked } = filesOf();

      const answer = await comment(
        issue.key,
        { template: template(CONNECTION.cloud, { attachments: ATTACHMENTS }), files },
        { who, salesforceFiles: source },
      );

      expect(answer.attachments).toEqual([
        {
          contentVersionId: FILE_ID,
          fileName: 'checkout-trace.log',
          size: 12,
          attached: true,
          jiraAttachmentId: expect.any(String),
        },
      ]);
      expect(jira().attachments).toEqual([
        expect.objectContaining({ issueKey: issue.key, filename: 'checkout-trace.log', size: 12 }),
      ]);
      expect(issue.comments).toHaveLength(1);
      expect(asked).toEqual([
        ['describe', ORG, RECORD.id, [FILE_ID]],
        ['open', ORG, FILE_ID],
      ]);
      expect(await onlyEvent(who.requestId)).toMatchObject({
        outcome: 'Success',
        fieldsSent: ['comment'],
        filesSent: ['checkout-trace.log (12 bytes): attached'],
      });
    });

    it.each([
      [
        'no template',
        {},
        'Files can only be sent with a template that allows them; this issue was linked without a template.',
      ],
      [
        'a template that allows none',
        { template: template(CONNECTION.cloud) },
        'The template "Support cases" does not allow sending files to Jira.',
      ],
    ])(
      'when the issue has %s then files are refused before the comment is posted',
      async (_what, input, detail) => {
        const issue = world.seed('cloud');
        const { source, asked } = filesOf();
        const error = await failureOf(
          comment(issue.key, { ...input, files }, { salesforceFiles: source }),
        );
        expect(error).toMatchObject({ code: 'ATTACHMENT_NOT_ALLOWED', detail });
        expect(jira().jiraCalls).toBe(0);
        expect(asked).toEqual([]);
      },
    );
  });

  describe("Jira's answers", () => {
    it.each([
      [404, 'JIRA_NOT_FOUND', 'Failed'],
      [403, 'JIRA_FORBIDDEN', 'Denied'],
      [400, 'JIRA_VALIDATION', 'Failed'],
    ])(
      'when Jira answers %i then %s is answered, the comment sent once',
      async (status, code, outcome) => {
        const issue = world.seed('cloud');
        const who = world.caller();
        jira().faults.add({ kind: 'status', status, route: commentRoute() });

        const error = await failureOf(comment(issue.key, {}, { who }));

        expect(error).toMatchObject({ code, jiraStatus: status });
        expect(jira().callsTo(commentRoute())).toBe(1);
        expect(await onlyEvent(who.requestId)).toMatchObject({
          outcome,
          errorCode: code,
          jiraStatus: status,
          identity: 'service',
        });
      },
    );

    it.each([500, 502, 503])(
      'when Jira adds the comment but answers %i then it is not repeated and the caller is told to check Jira before retrying',
      async (status) => {
        const issue = world.seed('cloud');
        jira().faults.add({ kind: 'afterHandling', status, route: commentRoute() });

        const error = await failureOf(comment(issue.key));

        expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE', jiraStatus: status });
        expect(error.detail).toBe(
          `Jira answered ${status}. Jira may have made the change before failing, so it was not repeated; check Jira before retrying.`,
        );
        expect(jira().callsTo(commentRoute())).toBe(1);
        expect(issue.comments).toHaveLength(1);
      },
    );

    it('when Jira does not answer in time then the comment is not repeated and the caller is told to check Jira before retrying', async () => {
      const issue = world.seed('cloud');
      jira().faults.add({ kind: 'delay', ms: IMPATIENT_TIMEOUT_MS * 5, route: commentRoute() });

      const error = await failureOf(comment(issue.key, { connection: IMPATIENT }));

      expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE' });
      expect(error.detail).toBe(
        'The relay could not connect to Jira, or Jira did not answer. The request may have reached Jira, so it was not repeated; check Jira before retrying.',
      );
      expect(jira().callsTo(commentRoute())).toBe(1);
    });
  });

  describe('the request body', () => {
    const parse = (input: Record<string, unknown>) =>
      commentBody.safeParse({
        connection: 'cloud',
        body: 'hello',
        record: RECORD,
        ...input,
      });

    it('when the parts are within their limits then the body is accepted, and one past them is refused', () => {
      expect(parse({}).success).toBe(true);
      expect(parse({ connection: 'c'.repeat(80) }).success).toBe(true);
      expect(parse({ connection: 'c'.repeat(81) }).success).toBe(false);
      expect(parse({ connection: '' }).success).toBe(false);
      expect(parse({ body: 'b'.repeat(1_000_000) }).success).toBe(true);
      expect(parse({ body: 'b'.repeat(1_000_001) }).success).toBe(false);
      expect(parse({ user: { name: 'n'.repeat(255), email: 'e'.repeat(320) } }).success).toBe(true);
      expect(parse({ user: { name: 'n'.repeat(256) } }).success).toBe(false);
      expect(parse({ user: { email: 'e'.repeat(321) } }).success).toBe(false);
    });

    it('when optional parts are null then they are accepted, and unknown members are refused', () => {
      expect(parse({ user: null, template: null }).success).toBe(true);
      expect(parse({ user: { name: null, email: null } }).success).toBe(true);
      expect(parse({ user: { name: 'Sam', phone: '1' } }).success).toBe(false);
      expect(parse({ record: { ...RECORD, title: 'Case 1' } }).success).toBe(false);
      expect(parse({ record: { id: RECORD.id } }).success).toBe(false);
      expect(parse({ record: { ...RECORD, id: 'x' } }).success).toBe(false);
      expect(parse({ text: 'hello' }).success).toBe(false);
    });
  });
});
