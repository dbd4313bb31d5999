import type { AuditEvent, AuditOperation, AuditOutcome } from '../audit/audit-event';

/**
 * The custom object audit events are written to, and the external id that makes resends safe,
 * as the package source names them. In an org that installed the managed package both carry
 * the package's namespace prefix: send them through `packageName`.
 */
export const AUDIT_OBJECT = 'Jira_Audit_Event__c';
export const AUDIT_EXTERNAL_ID_FIELD = 'Request_Id__c';

/**
 * The API name of a package object or field in an org whose package namespace is `namespace`
 * ('' for none). Only custom names (`__c`) belong to the package; standard ones never change.
 */
export function packageName(name: string, namespace: string): string {
  return namespace && name.endsWith('__c') ? `${namespace}__${name}` : name;
}

/** An audit record with every field named as the org knows it. */
export function inNamespace(
  record: AuditRecord,
  namespace: string,
): Record<string, string | number | null> {
  if (!namespace) return record;
  return Object.fromEntries(
    Object.entries(record).map(([field, value]) => [packageName(field, namespace), value]),
  );
}

export const AUDIT_OPERATIONS: readonly AuditOperation[] = [
  'Create',
  'BulkCreate',
  'Link',
  'Unlink',
  'Comment',
  'View',
  'Transition',
  'Connect',
  'Disconnect',
];
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['Success', 'Failed', 'Denied'];
/** The Outcome__c picklist: the relay's outcomes and Skipped, which only the Flow create in Apex writes. */
const OUTCOME_PICKLIST: readonly string[] = [...AUDIT_OUTCOMES, 'Skipped'];
/** Whose Jira account acted (issue #16). */
export const AUDIT_IDENTITIES: readonly NonNullable<AuditEvent['identity']>[] = ['user', 'service'];

/**
 * What the relay may write into each field. A test checks every entry against the object's
 * field metadata in force-app, so a renamed or shortened field fails the build, not the org.
 * `maxLength` is the longest value the mapper writes: truncated fields are cut to it, the
 * identifier fields carry values whose length the AuditEvent contract bounds (a value outside
 * it is sent unchanged, rejected by Salesforce, and parked for an operator).
 */
export type AuditFieldSpec =
  | { name: string; kind: 'text'; maxLength: number; truncated: boolean }
  | { name: string; kind: 'longText'; maxLength: number }
  | { name: string; kind: 'picklist'; values: readonly string[] }
  | { name: string; kind: 'number'; maxDigits: number }
  | { name: string; kind: 'lookup'; referenceTo: string }
  | { name: string; kind: 'dateTime' };

export const AUDIT_FIELDS = [
  { name: 'Request_Id__c', kind: 'text', maxLength: 64, truncated: false },
  { name: 'Operation__c', kind: 'picklist', values: AUDIT_OPERATIONS },
  { name: 'Outcome__c', kind: 'picklist', values: OUTCOME_PICKLIST },
  { name: 'Acting_User__c', kind: 'lookup', referenceTo: 'User' },
  { name: 'Record_Id__c', kind: 'text', maxLength: 18, truncated: false },
  { name: 'Issue_Key__c', kind: 'text', maxLength: 64, truncated: false },
  { name: 'Connection__c', kind: 'text', maxLength: 80, truncated: false },
  { name: 'Template_Id__c', kind: 'text', maxLength: 18, truncated: false },
  { name: 'Fields_Sent__c', kind: 'longText', maxLength: 32_768 },
  { name: 'Files_Sent__c', kind: 'longText', maxLength: 32_768 },
  { name: 'Error_Code__c', kind: 'text', maxLength: 64, truncated: true },
  { name: 'Error_Message__c', kind: 'text', maxLength: 255, truncated: true },
  { name: 'Jira_Status__c', kind: 'number', maxDigits: 3 },
  { name: 'Identity__c', kind: 'picklist', values: AUDIT_IDENTITIES },
  { name: 'Duration_Ms__c', kind: 'number', maxDigits: 9 },
  { name: 'Occurred_At__c', kind: 'dateTime' },
] as const satisfies readonly AuditFieldSpec[];

export type AuditFieldName = (typeof AUDIT_FIELDS)[number]['name'];
export type AuditRecord = Record<AuditFieldName, string | number | null>;

const MAX_DURATION_MS = 999_999_999;

function truncate(value: string, maxLength: number): string {
  // Cut by code points so a surrogate pair is never split into invalid UTF-16.
  const chars = Array.from(value);
  return chars.length <= maxLength ? value : `${chars.slice(0, maxLength - 1).join('')}…`;
}

/** Values outside a Number field's precision would reject the whole record; drop them instead. */
function withinDigits(value: number | null | undefined, digits: number): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const whole = Math.round(value);
  return Math.abs(whole) < 10 ** digits ? whole : null;
}

/** The `Jira_Audit_Event__c` record for one audit event. Nulls clear the field on an update. */
export function toAuditRecord(event: AuditEvent): AuditRecord {
  const fieldsSent = event.fieldsSent?.length ? event.fieldsSent.join('\n') : null;
  const filesSent = event.filesSent?.length ? event.filesSent.join('\n') : null;
  return {
    Request_Id__c: event.requestId,
    Operation__c: event.operation,
    Outcome__c: event.outcome,
    Acting_User__c: event.actingUserId ?? null,
    Record_Id__c: event.recordId ?? null,
    Issue_Key__c: event.issueKey ?? null,
    Connection__c: event.connection ?? null,
    Template_Id__c: event.templateId ?? null,
    Fields_Sent__c: fieldsSent === null ? null : truncate(fieldsSent, 32_768),
    Files_Sent__c: filesSent === null ? null : truncate(filesSent, 32_768),
    Error_Code__c: event.errorCode ? truncate(event.errorCode, 64) : null,
    Error_Message__c: event.errorMessage ? truncate(event.errorMessage, 255) : null,
    Jira_Status__c: withinDigits(event.jiraStatus, 3),
    Identity__c: event.identity ?? null,
    Duration_Ms__c: Number.isFinite(event.durationMs)
      ? Math.min(Math.max(Math.round(event.durationMs), 0), MAX_DURATION_MS)
      : 0,
    Occurred_At__c: new Date(event.occurredAt).toISOString(),
  };
}
