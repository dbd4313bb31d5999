import { picklistValues } from '../../org/package-metadata';
import type { SandboxOrg, SObject } from '../../org/org';
import { nameField, objectOfId } from '../../org/schema';
import { auraEnabled, isBlank, str, type ApexController } from '../apex-method';
import { recordUrl } from '../template-service';

/**
 * JiraAuditLogController with JiraAuditLogService: the audit events the relay wrote back into
 * the org (the Salesforce double), newest first, as JiraAuditEventDto with the acting user's
 * name, the record's name and link and the issue's link resolved. The sandbox user is an
 * admin and sees every event.
 */

interface Filter {
  operation: string | null;
  outcome: string | null;
  recordId: string | null;
  occurredFrom: string | null;
  occurredTo: string | null;
  pageSize: number;
  offsetRows: number;
}

const labelsOf = (field: string) =>
  new Map(picklistValues('Jira_Audit_Event__c', field).map((entry) => [entry.value, entry.label]));

function events(org: SandboxOrg, filter: Filter): SObject[] {
  const time = (value: unknown) => (value ? Date.parse(String(value)) : NaN);
  return org
    .auditEvents()
    .filter(
      (event) =>
        (isBlank(filter.operation) || event.Operation__c === filter.operation) &&
        (isBlank(filter.outcome) || event.Outcome__c === filter.outcome) &&
        (isBlank(filter.recordId) || event.Record_Id__c === filter.recordId) &&
        (!filter.occurredFrom || time(event.Occurred_At__c) >= time(filter.occurredFrom)) &&
        (!filter.occurredTo || time(event.Occurred_At__c) <= time(filter.occurredTo)),
    )
    .sort((a, b) => String(b.Occurred_At__c).localeCompare(String(a.Occurred_At__c)))
    .slice(filter.offsetRows, filter.offsetRows + filter.pageSize);
}

function toDto(
  org: SandboxOrg,
  event: SObject,
  operations: Map<string, string>,
  outcomes: Map<string, string>,
) {
  const recordId = str(event.Record_Id__c);
  const record = org.get(recordId);
  const object = recordId ? objectOfId(recordId) : undefined;
  const field = object && nameField(object.name);
  const issueKey = str(event.Issue_Key__c);
  const link = org
    .records('Jira_Link__c')
    .find(
      (row) =>
        row.Connection__c === event.Connection__c &&
        String(row.Issue_Key__c).toUpperCase() === (issueKey ?? '').toUpperCase() &&
        !isBlank(row.Issue_Url__c),
    );
  const number = (value: unknown) =>
    value === null || value === undefined ? null : Math.trunc(Number(value));
  return {
    id: event.Id,
    requestId: str(event.Request_Id__c),
    occurredAt: str(event.Occurred_At__c),
    operation: str(event.Operation__c),
    operationLabel: operations.get(String(event.Operation__c)) ?? str(event.Operation__c),
    outcome: str(event.Outcome__c),
    outcomeLabel: outcomes.get(String(event.Outcome__c)) ?? str(event.Outcome__c),
    actingUserId: str(event.Acting_User__c),
    actingUserName: str(org.get(str(event.Acting_User__c))?.Name),
    recordId,
    recordName: record && field ? str(record[field]) : null,
    recordUrl: object && recordId ? recordUrl(org, recordId) : null,
    issueKey,
    issueUrl: link ? str(link.Issue_Url__c) : null,
    connection: str(event.Connection__c),
    templateId: str(event.Template_Id__c),
    fieldsSent: str(event.Fields_Sent__c),
    filesSent: (str(event.Files_Sent__c) ?? '').split('\n').filter(Boolean),
    errorCode: str(event.Error_Code__c),
    errorMessage: str(event.Error_Message__c),
    jiraStatus: number(event.Jira_Status__c),
    durationMs: number(event.Duration_Ms__c),
  };
}

function page(org: SandboxOrg, filter: Filter) {
  const operations = labelsOf('Operation__c');
  const outcomes = labelsOf('Outcome__c');
  return events(org, filter).map((event) => toDto(org, event, operations, outcomes));
}

const count = (value: unknown, fallback: number) => (typeof value === 'number' ? value : fallback);

export const JiraAuditLogController: ApexController = {
  getEvents: auraEnabled(
    ['operation', 'outcome', 'recordId', 'pageSize', 'offsetRows'],
    ({ org }, args) =>
      page(org, {
        operation: str(args.operation),
        outcome: str(args.outcome),
        recordId: str(args.recordId),
        occurredFrom: null,
        occurredTo: null,
        pageSize: count(args.pageSize, 50),
        offsetRows: count(args.offsetRows, 0),
      }),
  ),

  getEventsInRange: auraEnabled(
    ['operation', 'outcome', 'recordId', 'occurredFrom', 'occurredTo', 'pageSize', 'offsetRows'],
    ({ org }, args) =>
      page(org, {
        operation: str(args.operation),
        outcome: str(args.outcome),
        recordId: str(args.recordId),
        occurredFrom: str(args.occurredFrom),
        occurredTo: str(args.occurredTo),
        pageSize: count(args.pageSize, 50),
        offsetRows: count(args.offsetRows, 0),
      }),
  ),

  canSeeAllEvents: auraEnabled([], () => true),
};
