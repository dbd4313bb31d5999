import { recordGlobalId } from '../../src/jira/endpoints/remote-links';
import type { Issue } from '../support/jira-double/model';
import { ORG_ID } from '../support/relay';
import {
  CONNECTION,
  DEPLOYMENTS,
  RECORD,
  useIssueActionsWorld,
  type IssueActionsWorld,
} from './view-fixture';

/** Another tenant of the same relay, whose links to the same Jira must never be touched. */
const OTHER_ORG_ID = '00D5g000009ZYXWAA2';

const unlinkPath = (key: string, recordId: string, connection: string) =>
  `/v1/issues/${key}/links/${recordId}?connection=${encodeURIComponent(connection)}`;

function remoteLinkOf(orgId: string, recordId: string) {
  return {
    globalId: recordGlobalId(orgId, recordId),
    object: { url: RECORD.url, title: RECORD.title },
    application: { type: 'com.salesforce', name: 'Salesforce' },
    relationship: 'Salesforce record',
  };
}

describe('unlinking an issue from a record', () => {
  let world: IssueActionsWorld;
  useIssueActionsWorld((started) => (world = started));

  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    const connection = CONNECTION[deployment];
    const deleteRoute = (api: string) => `DELETE ${api}/issue/{issueIdOrKey}/remotelink`;

    /** An issue with this org's remote link for RECORD, another org's, and one not ours. */
    function linkedIssue(): Issue {
      const { model } = world.doubles[deployment];
      const issue = world.seed(deployment);
      model.upsertRemoteLink(issue, remoteLinkOf(ORG_ID, RECORD.id));
      model.upsertRemoteLink(issue, remoteLinkOf(OTHER_ORG_ID, RECORD.id));
      model.upsertRemoteLink(issue, {
        globalId: 'system=https://ci.example.com&id=7',
        object: { url: 'https://ci.example.com/7', title: 'Build 7' },
      });
      return issue;
    }

    it('when the record has a remote link then only that link is deleted and Unlink is audited', async () => {
      const double = world.doubles[deployment];
      const issue = linkedIssue();

      const answer = await world.admin.call(
        'DELETE',
        unlinkPath(issue.key.toLowerCase(), RECORD.id, connection),
      );

      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ issueKey: issue.key, remoteLinkRemoved: true });
      expect(issue.remoteLinks.map((l) => l.globalId)).toEqual([
        recordGlobalId(OTHER_ORG_ID, RECORD.id),
        'system=https://ci.example.com&id=7',
      ]);
      // One Jira call, and it is the delete: nothing else in Jira is read or changed.
      expect(double.jiraCalls).toBe(1);
      expect(double.callsTo(deleteRoute(double.model.api))).toBe(1);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Unlink',
        outcome: 'Success',
        issueKey: issue.key,
        recordId: RECORD.id,
        templateId: null,
        connection,
      });
    });

    it('when the record id comes in its 15-character form then the same remote link is deleted', async () => {
      const issue = linkedIssue();
      const answer = await world.admin.call(
        'DELETE',
        unlinkPath(issue.key, RECORD.id.slice(0, 15), connection),
      );
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ remoteLinkRemoved: true });
      expect(issue.remoteLinks).toHaveLength(2);
    });

    it('when the remote link is already gone then the unlink still succeeds and says so', async () => {
      const double = world.doubles[deployment];
      const issue = world.seed(deployment);

      const answer = await world.admin.call('DELETE', unlinkPath(issue.key, RECORD.id, connection));

      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ issueKey: issue.key, remoteLinkRemoved: false });
      // The 404 of the delete is told apart from a missing issue by one read.
      expect(double.jiraCalls).toBe(2);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({ operation: 'Unlink', outcome: 'Success' });
    });

    it("when only another tenant's remote link is on the issue then it is left alone", async () => {
      const issue = world.seed(deployment);
      world.doubles[deployment].model.upsertRemoteLink(
        issue,
        remoteLinkOf(OTHER_ORG_ID, RECORD.id),
      );

      const answer = await world.admin.call('DELETE', unlinkPath(issue.key, RECORD.id, connection));

      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ remoteLinkRemoved: false });
      expect(issue.remoteLinks.map((l) => l.globalId)).toEqual([
        recordGlobalId(OTHER_ORG_ID, RECORD.id),
      ]);
    });

    it('when the key names no issue the connection can see then JIRA_NOT_FOUND is answered', async () => {
      const double = world.doubles[deployment];
      const key = 'SUP-424242';

      const answer = await world.admin.call('DELETE', unlinkPath(key, RECORD.id, connection));

      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ code: 'JIRA_NOT_FOUND', jiraStatus: 404 });
      expect(double.jiraCalls).toBe(2);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Unlink',
        outcome: 'Failed',
        errorCode: 'JIRA_NOT_FOUND',
        issueKey: key,
      });
    });

    it('when Jira forbids deleting links on the issue then JIRA_FORBIDDEN is answered and audited as Denied', async () => {
      const double = world.doubles[deployment];
      const issue = linkedIssue();
      double.faults.add({ kind: 'status', status: 403, route: deleteRoute(double.model.api) });

      const answer = await world.admin.call('DELETE', unlinkPath(issue.key, RECORD.id, connection));

      expect(answer.status).toBe(403);
      expect(answer.body).toMatchObject({ code: 'JIRA_FORBIDDEN', jiraStatus: 403 });
      expect(issue.remoteLinks).toHaveLength(3);
      const [event] = await world.auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({
        operation: 'Unlink',
        outcome: 'Denied',
        errorCode: 'JIRA_FORBIDDEN',
      });
    });
  });

  it.each([
    ['a record id that is no Salesforce id', unlinkPath('SUP-1', 'not-an-id', 'cloud'), 400],
    [
      'a record id of 16 characters',
      unlinkPath('SUP-1', `${RECORD.id.slice(0, 16)}`, 'cloud'),
      400,
    ],
    ['no connection', '/v1/issues/SUP-1/links/5005g00000Q1w2eAAB', 400],
    ['a malformed connection name', unlinkPath('SUP-1', RECORD.id, '-bad name'), 400],
    ['a malformed issue key', unlinkPath('SUP-0', RECORD.id, 'cloud'), 400],
    ['an unknown connection', unlinkPath('SUP-1', RECORD.id, 'nowhere'), 404],
  ])(
    'when the request has %s then a clear 4xx is answered and Jira is not called',
    async (_what, path, status) => {
      const issue = world.seed('cloud');
      world.doubles.cloud.model.upsertRemoteLink(issue, remoteLinkOf(ORG_ID, RECORD.id));

      const answer = await world.admin.call('DELETE', path);

      expect(answer.status).toBe(status);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(answer.body.code).toEqual(
        status === 404 ? 'CONNECTION_NOT_FOUND' : 'VALIDATION_FAILED',
      );
      expect(world.doubles.cloud.jiraCalls + world.doubles.server.jiraCalls).toBe(0);
      expect(issue.remoteLinks).toHaveLength(1);
    },
  );
});
