import { z } from 'zod';
import { getIssueSummary } from '../jira/endpoints/issues';
import { deleteRemoteLink, recordGlobalId } from '../jira/endpoints/remote-links';
import { salesforceIdSchema } from '../lib/salesforce-ids';
import type { OperationCaller } from '../audit/audit-recorder';
import type { IssueOperationDeps } from './issue-operation-deps';

/**
 * Unlinking an issue from a Salesforce record: the relay deletes the one Jira remote link it
 * made for that record, found by the globalId derived from the caller's org and the record id
 * (remote-links.ts), so a tenant can only ever remove its own links. Nothing else in Jira
 * changes. Jira answers 404 both when that link is already gone (deleted in Jira, or never
 * made because the template asked for none) and when the issue is missing or hidden from the
 * connection; only the second is an error, so a 404 is followed by one read of the issue:
 * - the issue is visible: the link was already gone, and the unlink succeeds;
 * - it is not: JIRA_NOT_FOUND (or JIRA_FORBIDDEN), as for every other action on the issue.
 */

export const unlinkParams = z.object({ recordId: salesforceIdSchema() });

export interface UnlinkResult {
  issueKey: string;
  /** False when Jira had no remote link of this record on the issue (already gone). */
  remoteLinkRemoved: boolean;
}

/** DELETE /v1/issues/{key}/links/{recordId}: one remote-link delete, plus one read after a 404. */
export async function unlinkIssue(
  deps: IssueOperationDeps,
  caller: OperationCaller,
  input: { connection: string; key: string; recordId: string },
): Promise<UnlinkResult> {
  const note = { connection: input.connection, issueKey: input.key, recordId: input.recordId };
  return deps.auditRecorder.run(caller, 'Unlink', note, async () => {
    const client = await deps.jira.clientFor(caller.orgId, input.connection);
    const globalId = recordGlobalId(caller.orgId, input.recordId);
    if (await deleteRemoteLink(client, input.key, globalId)) {
      return { issueKey: input.key, remoteLinkRemoved: true };
    }
    // Throws JIRA_NOT_FOUND when the issue itself is what Jira could not find.
    await getIssueSummary(client, input.key);
    return { issueKey: input.key, remoteLinkRemoved: false };
  });
}
