import type { SandboxOrg, SObject } from '../../org/org';
import { describeObject, OBJECTS } from '../../org/schema';
import { auraEnabled, str, type ApexController, type ShimContext } from '../apex-method';
import type { Option, PreviewResult } from '../relay-models';
import {
  fromDto,
  propertyOf,
  readRecord,
  templateById,
  toDto,
  toPayload,
  validate,
  validationProblems,
} from '../template-service';

/**
 * JiraTemplateEditorController with JiraTemplateAdminService and SchemaPaths: templates,
 * Salesforce and Jira pickers, validation by field, preview. The sandbox user is a Jira admin.
 */

const option = (value: string | null, text: string | null): Option => ({
  value,
  label: text,
  required: false,
});

function templates(org: SandboxOrg): SObject[] {
  return org
    .records('Jira_Rule_Template__c')
    .sort((a, b) => String(a.Name).localeCompare(String(b.Name)));
}

/** JiraActionService.linkedIssueKeys: the record's issues on the template's connection. */
function linkedIssueKeys(org: SandboxOrg, recordId: string, connection: unknown): string[] {
  return org
    .records('Jira_Link__c')
    .filter((link) => link.Record_Id__c === recordId && link.Connection__c === connection)
    .map((link) => str(link.Issue_Key__c))
    .filter((key): key is string => Boolean(key))
    .slice(0, 100);
}

/** JiraTemplateAdminService.preview: Apex's own checks first, then the relay renders it. */
export async function previewTemplate(
  { org, relay }: ShimContext,
  template: SObject,
  recordId: string,
): Promise<PreviewResult> {
  const problems = validate(template);
  if (problems.length) return { payloadJson: null, problems };
  return relay.previewTemplate({
    template: toPayload(template),
    record: readRecord(org, template, recordId),
    user: { name: str(org.user.Name), email: str(org.user.Email) },
    linkedIssueKeys: linkedIssueKeys(org, recordId, template.Connection__c),
  });
}

export const JiraTemplateEditorController: ApexController = {
  getTemplates: auraEnabled([], ({ org }) => templates(org).map(toDto)),

  getTemplate: auraEnabled(['templateId'], ({ org }, { templateId }) =>
    toDto(templateById(org, templateId)),
  ),

  saveTemplate: auraEnabled(['template'], ({ org }, { template }) => {
    const record = fromDto(template);
    const problems = validationProblems(record).map((problem) => ({
      field: propertyOf(problem.field),
      message: problem.message,
    }));
    if (problems.length) return { templateId: null, problems };
    const { Id, ...fields } = record;
    // An edited template loses its recorded health until the next check (the trigger).
    const saved = Id
      ? org.update(templateById(org, Id).Id, {
          ...fields,
          Health_Status__c: null,
          Health_Problems__c: null,
          Health_Checked_At__c: null,
        })
      : org.insert('Jira_Rule_Template__c', fields);
    return { templateId: saved?.Id ?? null, problems: [] };
  }),

  deleteTemplate: auraEnabled(['templateId'], ({ org }, { templateId }) => {
    org.delete(templateById(org, templateId).Id);
    return null;
  }),

  getConnections: auraEnabled([], async ({ relay }) =>
    (await relay.listConnections()).map((connection) => {
      const site = connection.baseUrl || connection.deployment;
      return option(connection.name, site ? `${connection.name} (${site})` : connection.name);
    }),
  ),

  getObjects: auraEnabled([], () =>
    OBJECTS.filter((object) => object.templateTarget)
      .sort((a, b) => `${a.label}\u0000${a.name}`.localeCompare(`${b.label}\u0000${b.name}`))
      .map((object) => option(object.name, object.label)),
  ),

  getObjectFields: auraEnabled(['objectApiName'], (_context, { objectApiName }) =>
    (describeObject(str(objectApiName))?.fields ?? []).flatMap((field) => [
      option(field.name, field.label),
      ...(field.relationshipName ? [option(`${field.relationshipName}.`, `${field.label} >`)] : []),
    ]),
  ),

  getProjects: auraEnabled(['connection'], ({ relay }, { connection }) =>
    relay.listProjects(String(connection)),
  ),

  getIssueTypes: auraEnabled(
    ['connection', 'projectKey'],
    ({ relay }, { connection, projectKey }) =>
      relay.listIssueTypes(String(connection), String(projectKey)),
  ),

  getJiraFields: auraEnabled(['connection', 'projectKey', 'issueTypeId'], ({ relay }, args) =>
    relay.listFields(String(args.connection), String(args.projectKey), String(args.issueTypeId)),
  ),

  previewTemplate: auraEnabled(['template', 'recordId'], (context, { template, recordId }) =>
    previewTemplate(context, fromDto(template), String(recordId)),
  ),
};
