import type { AuditRecorder } from '../audit/audit-recorder';
import type { JiraClient } from '../jira/jira-client';

/** What the operations on one Jira issue need: a client for the connection, and the audit. */
export interface IssueOperationDeps {
  jira: { clientFor(orgId: string, connectionName: string): Promise<JiraClient> };
  auditRecorder: AuditRecorder;
}
