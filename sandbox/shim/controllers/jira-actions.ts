import { randomBytes } from 'node:crypto';
import { label } from '../../org/labels';
import type { SandboxOrg, SObject } from '../../org/org';
import { nameField, objectOfId } from '../../org/schema';
import { auraEnabled, isBlank, str, type ApexController, type ShimContext } from '../apex-method';
import { JiraServiceException, RelayException } from '../errors';
import type { IssueRef, IssueSummary, Transition } from '../relay-models';
import { needingReconnect } from '../health';
import { listFor, requireSendable } from '../record-files';
import { readRecord, recordUrl, splitLines, templateById, toPayload } from '../template-service';
import { previewTemplate } from './jira-template-editor';

/**
 * JiraActionsController with JiraActionService: what a user does with Jira from a record
 * page. Record access is the user's own in Salesforce; the sandbox user may read and edit
 * every record, so the access checks always pass.
 */

/** JiraActionService.newActionKey: 32 hex characters. */
const newActionKey = () => randomBytes(16).toString('hex');

const currentUser = (org: SandboxOrg) => ({
  name: str(org.user.Name),
  email: str(org.user.Email),
});

function activeTemplate(org: SandboxOrg, templateId: unknown): SObject {
  const template = templateById(org, templateId);
  if (template.Active__c !== true)
    throw new JiraServiceException('TEMPLATE_INACTIVE', label('Jira_Error_Template_Inactive'));
  return template;
}

function activeTemplatesFor(org: SandboxOrg, recordId: string): SObject[] {
  const objectApiName = objectOfId(recordId)?.name;
  return org
    .records('Jira_Rule_Template__c')
    .filter((t) => t.Active__c === true && t.Object_Api_Name__c === objectApiName)
    .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
}

/** JiraActionService.workingTemplatesFor: active, and not in error at the last check. */
function workingTemplatesFor(org: SandboxOrg, recordId: string): SObject[] {
  return activeTemplatesFor(org, recordId).filter((t) => t.Health_Status__c !== 'error');
}

function linkById(org: SandboxOrg, linkId: unknown): SObject {
  const link = org.getOf('Jira_Link__c', str(linkId));
  if (!link) throw new JiraServiceException('LINK_NOT_FOUND', label('Jira_Error_Link_Not_Found'));
  return link;
}

/** JiraLinks.saveNew for one link: an existing link of the same record, connection and key wins. */
function saveLink(
  org: SandboxOrg,
  recordId: string,
  connection: string,
  issue: IssueRef,
  templateId: string | null,
): string {
  const key = `${recordId}|${connection}|${String(issue.key).toUpperCase()}`;
  const existing = org.records('Jira_Link__c').find((link) => link.Link_Key__c === key);
  if (existing) return existing.Id;
  return org.insert('Jira_Link__c', {
    Name: `L-${String(org.records('Jira_Link__c').length + 1).padStart(5, '0')}`,
    Record_Id__c: recordId,
    Object_Api_Name__c: objectOfId(recordId)?.name,
    Issue_Key__c: issue.key,
    Issue_Id__c: issue.id,
    Issue_Url__c: issue.url,
    Connection__c: connection,
    Template__c: templateId,
    Linked_By__c: org.userId,
    Linked_At__c: new Date().toISOString(),
    Link_Key__c: key,
  }).Id;
}

/** The distinct project keys of the templates on a connection (NO_ACTIVE_TEMPLATE when none). */
function projectKeys(templates: SObject[], connection: string): string[] {
  const keys = [
    ...new Set(
      templates
        .filter((t) => t.Connection__c === connection && !isBlank(t.Project_Key__c))
        .map((t) => String(t.Project_Key__c).trim()),
    ),
  ].sort();
  if (keys.length === 0)
    throw new JiraServiceException('NO_ACTIVE_TEMPLATE', label('Jira_Error_No_Active_Template'));
  return keys;
}

function allowedOnly(org: SandboxOrg, link: SObject, offered: Transition[]): Transition[] {
  const template = org.get(str(link.Template__c));
  if (!template) return [];
  const allowed = new Set(splitLines(template.Allowed_Transitions__c).map((s) => s.toLowerCase()));
  return offered.filter((transition) => {
    const target = transition.toStatus ?? transition.name;
    return target !== null && allowed.has(target.toLowerCase());
  });
}

function recordTitle(org: SandboxOrg, recordId: string): string {
  const object = objectOfId(recordId);
  const field = object && nameField(object.name);
  if (!field) return recordId;
  const record = org.get(recordId);
  if (!record)
    throw new JiraServiceException('RECORD_NOT_FOUND', label('Jira_Error_Record_Not_Found'));
  return String(record[field] ?? '');
}

/**
 * JiraLinkStatus: the Jira fields a view of the record page saves onto a link (JiraLinkStatusWriter);
 * an issue Jira did not return only marks the link missing and keeps its last known status.
 */
function linkStatusFields(found: IssueSummary | undefined, refreshedAt: string) {
  if (!found) return { Missing_In_Jira__c: true, Status_Refreshed_At__c: refreshedAt };
  return {
    Jira_Status__c: found.status?.name ?? null,
    Jira_Status_Category__c: found.status?.category ?? null,
    Jira_Priority__c: found.priority,
    Jira_Assignee__c: found.assignee,
    Jira_Updated_At__c: found.updated,
    Missing_In_Jira__c: false,
    Status_Refreshed_At__c: refreshedAt,
  };
}

async function linkedIssues(
  { org, relay }: ShimContext,
  recordId: string,
): Promise<IssueSummary[]> {
  const rows = org
    .records('Jira_Link__c')
    .filter((link) => link.Record_Id__c === recordId)
    .sort((a, b) => String(b.Linked_At__c).localeCompare(String(a.Linked_At__c)));
  const keysByConnection = new Map<string, string[]>();
  for (const link of rows) {
    const connection = String(link.Connection__c);
    keysByConnection.set(connection, [
      ...(keysByConnection.get(connection) ?? []),
      String(link.Issue_Key__c),
    ]);
  }
  const byLinkKey = new Map<string, IssueSummary>();
  for (const [connection, keys] of keysByConnection) {
    for (const summary of await relay.issueStatuses(connection, keys)) {
      if (summary.key) byLinkKey.set(`${connection}|${summary.key.toUpperCase()}`, summary);
    }
  }
  const refreshedAt = new Date().toISOString();
  return rows.map((link) => {
    const found = byLinkKey.get(
      `${String(link.Connection__c)}|${String(link.Issue_Key__c).toUpperCase()}`,
    );
    const summary: IssueSummary = found ?? {
      linkId: null,
      key: str(link.Issue_Key__c),
      url: str(link.Issue_Url__c),
      summary: null,
      status: null,
      priority: null,
      assignee: null,
      updated: null,
      connection: null,
      templateId: null,
      missing: true,
    };
    org.update(link.Id, linkStatusFields(found, refreshedAt));
    return {
      ...summary,
      linkId: link.Id,
      connection: str(link.Connection__c),
      templateId: str(link.Template__c),
    };
  });
}

async function searchIssues(
  { org, relay }: ShimContext,
  recordId: string,
  connection: string | null,
  query: string | null,
): Promise<IssueSummary[]> {
  if (isBlank(connection) || isBlank(query)) return [];
  return relay.searchIssues(
    connection as string,
    query as string,
    projectKeys(activeTemplatesFor(org, recordId), connection as string),
  );
}

export const JiraActionsController: ApexController = {
  newActionKey: auraEnabled([], () => newActionKey()),

  // Templates the last health check found in error are not offered, nor those whose
  // connection it found needing an admin to reconnect it (the card names those instead).
  getTemplates: auraEnabled(['recordId'], ({ org }, { recordId }) => {
    const working = workingTemplatesFor(org, String(recordId));
    const reconnect = new Set(
      needingReconnect(
        org,
        working.map((t) => String(t.Connection__c)),
      ),
    );
    return working
      .filter((t) => !reconnect.has(String(t.Connection__c)))
      .map((t) => ({
        value: t.Id,
        label: t.Name,
        required: false,
      }));
  }),

  getConnectionsToReconnect: auraEnabled(['recordId'], ({ org }, { recordId }) =>
    needingReconnect(
      org,
      workingTemplatesFor(org, String(recordId)).map((t) => String(t.Connection__c)),
    ),
  ),

  getLinkedIssues: auraEnabled(['recordId'], (context, { recordId }) =>
    linkedIssues(context, String(recordId)),
  ),

  previewIssue: auraEnabled(['recordId', 'templateId'], (context, { recordId, templateId }) =>
    previewTemplate(context, activeTemplate(context.org, templateId), String(recordId)),
  ),

  getRecordFiles: auraEnabled(['recordId', 'templateId'], ({ org }, args) =>
    listFor(org, String(args.recordId), templateById(org, args.templateId)),
  ),

  createIssue: auraEnabled(
    ['recordId', 'templateId', 'idempotencyKey', 'contentVersionIds'],
    async ({ org, relay }, args) => {
      const recordId = String(args.recordId);
      const template = activeTemplate(org, args.templateId);
      const request: Record<string, unknown> = {
        template: toPayload(template),
        record: readRecord(org, template, recordId),
        user: currentUser(org),
      };
      const files = requireSendable(org, recordId, template, args.contentVersionIds);
      if (files.length > 0) request.files = files;
      const key = isBlank(args.idempotencyKey) ? newActionKey() : String(args.idempotencyKey);
      const issue = await relay.createIssue(request, key);
      return {
        ...issue,
        linkId: saveLink(org, recordId, String(template.Connection__c), issue, template.Id),
      };
    },
  ),

  searchIssues: auraEnabled(['recordId', 'connection', 'query'], (context, args) =>
    searchIssues(context, String(args.recordId), str(args.connection), str(args.query)),
  ),

  linkIssue: auraEnabled(
    ['recordId', 'issueKey', 'connection', 'templateId'],
    async ({ org, relay }, args) => {
      const recordId = String(args.recordId);
      const template = args.templateId ? templateById(org, args.templateId) : null;
      const connectionName = template ? str(template.Connection__c) : str(args.connection);
      if (isBlank(args.issueKey) || isBlank(connectionName))
        throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Issue_Key_Required'));
      const object = objectOfId(recordId);
      const request = {
        connection: connectionName,
        record: {
          id: recordId,
          url: recordUrl(org, recordId),
          objectApiName: object?.name ?? null,
          title: recordTitle(org, recordId),
        },
        template: template ? toPayload(template) : null,
      };
      const issue = await relay.linkIssue(String(args.issueKey).trim(), request);
      return {
        ...issue,
        linkId: saveLink(org, recordId, connectionName as string, issue, template?.Id ?? null),
      };
    },
  ),

  // Callout first, then the link row goes (JiraActionService.unlinkIssue); an issue Jira no
  // longer shows (JIRA_NOT_FOUND) leaves nothing to remove there, and its link goes too.
  unlinkIssue: auraEnabled(['linkId'], async ({ org, relay }, { linkId }) => {
    const link = linkById(org, linkId);
    let removed = false;
    try {
      removed = await relay.unlinkIssue(
        String(link.Issue_Key__c),
        String(link.Record_Id__c),
        String(link.Connection__c),
      );
    } catch (error) {
      if (!(error instanceof RelayException && error.code === 'JIRA_NOT_FOUND')) throw error;
    }
    org.delete(link.Id);
    return removed;
  }),

  addComment: auraEnabled(
    ['linkId', 'body', 'contentVersionIds'],
    async ({ org, relay }, { linkId, body, contentVersionIds }) => {
      const link = linkById(org, linkId);
      const template = org.get(str(link.Template__c));
      if (link.Template__c && template?.Allow_Comments__c !== true)
        throw new JiraServiceException(
          'COMMENTS_NOT_ALLOWED',
          label('Jira_Error_Comments_Not_Allowed'),
        );
      if (isBlank(body))
        throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Comment_Required'));
      const request: Record<string, unknown> = {
        connection: link.Connection__c,
        body,
        record: { id: link.Record_Id__c, url: recordUrl(org, String(link.Record_Id__c)) },
        user: currentUser(org),
      };
      if (template) request.template = toPayload(template);
      const files = requireSendable(
        org,
        String(link.Record_Id__c),
        link.Template__c ? template : null,
        contentVersionIds,
      );
      if (files.length > 0) request.files = files;
      return relay.addComment(String(link.Issue_Key__c), request);
    },
  ),

  viewIssue: auraEnabled(['linkId'], async ({ org, relay }, { linkId }) => {
    const link = linkById(org, linkId);
    const view = await relay.viewIssue(String(link.Connection__c), String(link.Issue_Key__c));
    return { ...view, transitions: allowedOnly(org, link, view.transitions) };
  }),

  getTransitions: auraEnabled(['linkId'], async ({ org, relay }, { linkId }) => {
    const link = linkById(org, linkId);
    const template = org.get(str(link.Template__c));
    const allowed = template ? splitLines(template.Allowed_Transitions__c) : [];
    // Without a template, or with one that allows nothing, there is nothing to ask Jira.
    if (allowed.length === 0) return [];
    const offered = await relay.listTransitions(
      String(link.Issue_Key__c),
      String(link.Connection__c),
      String(link.Template__c),
      allowed,
    );
    return allowedOnly(org, link, offered);
  }),

  transitionIssue: auraEnabled(
    ['linkId', 'transitionId'],
    async ({ org, relay }, { linkId, transitionId }) => {
      const link = linkById(org, linkId);
      if (!link.Template__c || isBlank(transitionId))
        throw new JiraServiceException(
          'TRANSITION_NOT_ALLOWED',
          label('Jira_Error_Transition_Not_Allowed'),
        );
      const template = templateById(org, link.Template__c);
      return relay.transitionIssue(String(link.Issue_Key__c), {
        connection: link.Connection__c,
        template: toPayload(template),
        transition: { id: transitionId },
        fields: {},
      });
    },
  ),
};
