import type { AuditEvent } from '../../src/audit/audit-event';

export const AUDIT_ORG_ID = '00D5g000004ABCDEAY';
export const AUDIT_USER_ID = '0055g00000AbCdEFGH';

/** A realistic Create audit event; `overrides` shape the edge cases. */
export function auditEvent(requestId: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    requestId,
    orgId: AUDIT_ORG_ID,
    operation: 'Create',
    outcome: 'Success',
    actingUserId: AUDIT_USER_ID,
    recordId: '5005g00000Q1w2eAAB',
    issueKey: 'SUP-42',
    connection: 'default',
    templateId: 'a0B5g00000T3mPlAAB',
    fieldsSent: ['summary', 'description', 'priority'],
    errorCode: null,
    errorMessage: null,
    jiraStatus: 201,
    durationMs: 184,
    occurredAt: '2026-11-28T10:15:30.123Z',
    ...overrides,
  };
}

export const requestIds = (count: number, prefix = 'req') =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(6, '0')}`);
