import type { Db } from '../store/store';

/**
 * One audit event per Jira operation (relay-contract.md, "Audit event"). Field ids only —
 * never field values — and no secrets: this leaves the relay for the customer's org.
 */
export type AuditOperation =
  | 'Create'
  | 'BulkCreate'
  | 'Link'
  | 'Unlink'
  | 'Comment'
  | 'View'
  | 'Transition'
  | 'Connect'
  | 'Disconnect';
export type AuditOutcome = 'Success' | 'Failed' | 'Denied';

export interface AuditEvent {
  /** Unique per event: the request id, suffixed `:<n>` when one request makes several (bulk). At most 64 characters. */
  requestId: string;
  /** The tenant whose org receives the event. */
  orgId: string;
  operation: AuditOperation;
  outcome: AuditOutcome;
  /** Salesforce user id, or null for automation ("-"). */
  actingUserId: string | null;
  recordId?: string | null;
  issueKey?: string | null;
  connection?: string | null;
  templateId?: string | null;
  /** Jira field ids sent (names only). */
  fieldsSent?: string[];
  /** One line per file sent with the operation: name, size and outcome (never contents). */
  filesSent?: string[];
  /** Contract error code when the outcome is not Success. */
  errorCode?: string | null;
  /** Short, secret-free message. */
  errorMessage?: string | null;
  jiraStatus?: number | null;
  /**
   * Whose Jira account acted: `user` (the acting user's own grant, or a user connecting or
   * disconnecting their own account) or `service` (the connection's account); null when no
   * Jira identity was chosen (refused before, or an admin's connection change).
   */
  identity?: 'user' | 'service' | null;
  durationMs: number;
  /** ISO-8601. */
  occurredAt: string;
}

/**
 * Where operations hand their audit events. The durable implementation writes to the outbox
 * table; passing the operation's transaction makes the event part of the same commit as the
 * outcome it describes.
 */
export interface AuditSink {
  record(event: AuditEvent, tx?: Db): Promise<void>;
  /** Whether the event is already stored (a retried write whose first commit did happen). */
  has?(event: AuditEvent): Promise<boolean>;
}
