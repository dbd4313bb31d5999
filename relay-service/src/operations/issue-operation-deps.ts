import type { AuditRecorder } from '../audit/audit-recorder';
import type { JiraClient } from '../jira/jira-client';
import type { RelayCaller } from '../audit/audit-recorder';

/**
 * What the operations on one Jira issue need: a client for the connection (reads), the client
 * an action by the caller runs on (their own Jira account or the connection's, issue #16), and
 * the audit.
 */
export interface IssueOperationDeps {
  jira: {
    clientFor(orgId: string, connectionName: string): Promise<JiraClient>;
    actingClientFor(caller: RelayCaller, connectionName: string): Promise<JiraClient>;
  };
  auditRecorder: AuditRecorder;
}
