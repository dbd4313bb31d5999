import { label } from '../org/labels';
import type { SandboxOrg, SObject } from '../org/org';
import { describeObject, objectOfId, resolvePath } from '../org/schema';
import { isBlank, str } from './apex-method';
import { JiraServiceException } from './errors';
import { storedProblems } from './health';
import { BUILT_INS, isBuiltIn, recordPaths, scan } from './merge-fields';
import { asMap, isMap } from './relay-models';
import {
  extensionsOf,
  isWellFormed,
  MAX_EXTENSIONS,
  MAX_FILES_CEILING,
  policyPayload,
} from './record-files';

/**
 * JiraTemplateService, JiraTemplateValidation and JiraTemplateDto of the package: templates
 * as rule-template records, their payload for the relay, and the record payload holding only
 * the fields the template references.
 */

const MAPPING_KEYS = new Set(['jiraField', 'value', 'valueMap', 'default']);

/** JiraTemplateDto property of each template field, for problems reported by field. */
const PROPERTIES: Record<string, string> = {
  Name: 'name',
  Active__c: 'active',
  Object_Api_Name__c: 'objectApiName',
  Connection__c: 'connection',
  Project_Key__c: 'projectKey',
  Issue_Type__c: 'issueType',
  Summary__c: 'summary',
  Description__c: 'description',
  Field_Mappings__c: 'fieldMappings',
  Remote_Link__c: 'remoteLink',
  Allow_Comments__c: 'allowComments',
  Allowed_Transitions__c: 'allowedTransitions',
  Duplicate_Check__c: 'duplicateCheck',
  Attachments_Allowed__c: 'attachmentsAllowed',
  Attachment_Extensions__c: 'attachmentExtensions',
  Attachment_Max_File_MB__c: 'attachmentMaxFileMb',
  Attachment_Max_Total_MB__c: 'attachmentMaxTotalMb',
  Attachment_Max_Files__c: 'attachmentMaxFiles',
};

const REQUIRED: [string, string][] = [
  ['Name', 'Template Name'],
  ['Object_Api_Name__c', 'Object API Name'],
  ['Connection__c', 'Connection'],
  ['Project_Key__c', 'Project Key'],
  ['Issue_Type__c', 'Issue Type'],
  ['Summary__c', 'Summary'],
];

type Mapping = Record<string, unknown>;

export interface Problem {
  /** Template field API name, or null for the whole template. */
  field: string | null;
  message: string;
}

/** JiraRuleTemplateSelector.selectById */
export function templateById(org: SandboxOrg, templateId: unknown): SObject {
  const template = org.getOf('Jira_Rule_Template__c', str(templateId));
  if (!template)
    throw new JiraServiceException('TEMPLATE_NOT_FOUND', label('Jira_Error_Template_Not_Found'));
  return template;
}

/** JiraTemplateDto.fromRecord */
export function toDto(record: SObject): Record<string, unknown> {
  return {
    id: record.Id,
    name: record.Name ?? null,
    active: record.Active__c === true,
    objectApiName: record.Object_Api_Name__c ?? null,
    connection: record.Connection__c ?? null,
    projectKey: record.Project_Key__c ?? null,
    issueType: record.Issue_Type__c ?? null,
    summary: record.Summary__c ?? null,
    description: record.Description__c ?? null,
    fieldMappings: record.Field_Mappings__c ?? null,
    remoteLink: record.Remote_Link__c === true,
    allowComments: record.Allow_Comments__c === true,
    allowedTransitions: record.Allowed_Transitions__c ?? null,
    duplicateCheck: record.Duplicate_Check__c === true,
    attachmentsAllowed: record.Attachments_Allowed__c === true,
    attachmentExtensions: record.Attachment_Extensions__c ?? null,
    attachmentMaxFileMb: record.Attachment_Max_File_MB__c ?? null,
    attachmentMaxTotalMb: record.Attachment_Max_Total_MB__c ?? null,
    attachmentMaxFiles: record.Attachment_Max_Files__c ?? null,
    healthStatus: record.Health_Status__c ?? null,
    healthProblems: storedProblems(record.Health_Problems__c),
    healthCheckedAt: record.Health_Checked_At__c ?? null,
  };
}

/** JiraTemplateDto.toRecord (unsaved; with its id when it has one). */
export function fromDto(dto: unknown): SObject {
  if (!dto || typeof dto !== 'object')
    throw new JiraServiceException('VALIDATION_FAILED', label('Jira_Error_Template_Required'));
  const value = dto as Record<string, unknown>;
  return {
    Id: str(value.id) ?? '',
    Name: str(value.name),
    Active__c: value.active === true,
    Object_Api_Name__c: str(value.objectApiName),
    Connection__c: str(value.connection),
    Project_Key__c: str(value.projectKey),
    Issue_Type__c: str(value.issueType),
    Summary__c: str(value.summary),
    Description__c: str(value.description),
    Field_Mappings__c: str(value.fieldMappings),
    Remote_Link__c: value.remoteLink === true,
    Allow_Comments__c: value.allowComments === true,
    Allowed_Transitions__c: str(value.allowedTransitions),
    // Unset (an older editor) keeps the field's default: the guard stays on.
    Duplicate_Check__c: value.duplicateCheck !== false,
    Attachments_Allowed__c: value.attachmentsAllowed === true,
    Attachment_Extensions__c: str(value.attachmentExtensions),
    Attachment_Max_File_MB__c: num(value.attachmentMaxFileMb),
    Attachment_Max_Total_MB__c: num(value.attachmentMaxTotalMb),
    Attachment_Max_Files__c: num(value.attachmentMaxFiles),
  };
}

/** An Apex Decimal argument: a number, or a numeric text as the components may send it. */
function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

export const propertyOf = (field: string | null) => (field ? (PROPERTIES[field] ?? null) : null);

/** JiraTemplateService.parseMappings */
export function parseMappings(json: unknown): Mapping[] {
  if (isBlank(json)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(json));
  } catch {
    throw new JiraServiceException('TEMPLATE_INVALID', label('Jira_Error_Mappings_Json'));
  }
  if (!Array.isArray(parsed))
    throw new JiraServiceException('TEMPLATE_INVALID', label('Jira_Error_Mappings_Json'));
  return parsed.map((item: unknown) => {
    const mapping: Mapping = asMap(item);
    const valid =
      typeof mapping.jiraField === 'string' &&
      mapping.jiraField.trim() !== '' &&
      Object.keys(mapping).every((key) => MAPPING_KEYS.has(key)) &&
      (!('value' in mapping) || typeof mapping.value === 'string') &&
      (!('default' in mapping) || typeof mapping.default === 'string') &&
      (!('valueMap' in mapping) || isMap(mapping.valueMap));
    if (!valid)
      throw new JiraServiceException('TEMPLATE_INVALID', label('Jira_Error_Mappings_Json'));
    return mapping;
  });
}

/** JiraTemplateService.splitLines */
export function splitLines(value: unknown): string[] {
  if (isBlank(value)) return [];
  return String(value)
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim());
}

function templateTexts(template: SObject, mappings: Mapping[]): (string | null)[] {
  return [
    str(template.Summary__c),
    str(template.Description__c),
    ...mappings.map((mapping) => str(mapping.value)),
  ];
}

function pathProblems(objectApiName: string, field: string, text: string | null): Problem[] {
  return scan(text).flatMap((mergePath): Problem[] => {
    if (isBuiltIn(mergePath)) {
      return BUILT_INS.has(mergePath)
        ? []
        : [{ field, message: label('Jira_Error_Unknown_Built_In', mergePath) }];
    }
    return resolvePath(objectApiName, mergePath)
      ? []
      : [{ field, message: label('Jira_Error_Unresolved_Path', mergePath, objectApiName) }];
  });
}

const isPositiveWhole = (value: unknown): value is number =>
  typeof value === 'number' && value > 0 && Number.isInteger(value);

/** JiraTemplateValidation.attachmentProblems: checked only when files are allowed. */
function attachmentProblems(template: SObject): Problem[] {
  if (template.Attachments_Allowed__c !== true) return [];
  const problems: Problem[] = [];
  const extensions = extensionsOf(template.Attachment_Extensions__c);
  if (
    extensions.length === 0 ||
    extensions.length > MAX_EXTENSIONS ||
    !extensions.every(isWellFormed)
  )
    problems.push({
      field: 'Attachment_Extensions__c',
      message: label('Jira_Error_Attachment_Extensions'),
    });
  const maxFile = template.Attachment_Max_File_MB__c;
  const maxTotal = template.Attachment_Max_Total_MB__c;
  if (!isPositiveWhole(maxFile))
    problems.push({
      field: 'Attachment_Max_File_MB__c',
      message: label('Jira_Error_Attachment_Limit', 'Attachment Max File (MB)'),
    });
  if (!isPositiveWhole(maxTotal))
    problems.push({
      field: 'Attachment_Max_Total_MB__c',
      message: label('Jira_Error_Attachment_Limit', 'Attachment Max Total (MB)'),
    });
  else if (isPositiveWhole(maxFile) && maxTotal < maxFile)
    problems.push({
      field: 'Attachment_Max_Total_MB__c',
      message: label('Jira_Error_Attachment_Total_Below_File'),
    });
  const maxFiles = template.Attachment_Max_Files__c;
  if (!isPositiveWhole(maxFiles) || maxFiles > MAX_FILES_CEILING)
    problems.push({
      field: 'Attachment_Max_Files__c',
      message: label('Jira_Error_Attachment_Max_Files', 'Attachment Max Files'),
    });
  return problems;
}

/** JiraTemplateValidation.problems: every problem that keeps a template from being saved. */
export function validationProblems(template: SObject): Problem[] {
  const problems: Problem[] = REQUIRED.filter(([field]) => isBlank(template[field])).map(
    ([field, fieldLabel]) => ({
      field,
      message: label('Jira_Error_Template_Field_Required', fieldLabel),
    }),
  );
  let mappings: Mapping[] = [];
  try {
    mappings = parseMappings(template.Field_Mappings__c);
  } catch (invalid) {
    problems.push({ field: 'Field_Mappings__c', message: (invalid as Error).message });
  }
  problems.push(...attachmentProblems(template));
  const objectApiName = str(template.Object_Api_Name__c);
  if (isBlank(objectApiName)) return problems;
  if (!describeObject(objectApiName)) {
    problems.push({
      field: 'Object_Api_Name__c',
      message: label('Jira_Error_Unknown_Object', objectApiName),
    });
    return problems;
  }
  const name = objectApiName as string;
  problems.push(
    ...pathProblems(name, 'Summary__c', str(template.Summary__c)),
    ...pathProblems(name, 'Description__c', str(template.Description__c)),
    ...pathProblems(
      name,
      'Field_Mappings__c',
      mappings.map((mapping) => str(mapping.value) ?? '').join('\n'),
    ),
  );
  return problems;
}

/** JiraTemplateService.validate: the same checks as messages, for preview. */
export function validate(template: SObject): string[] {
  const problems: string[] = [];
  let mappings: Mapping[] = [];
  try {
    mappings = parseMappings(template.Field_Mappings__c);
  } catch (invalid) {
    problems.push((invalid as Error).message);
  }
  const objectApiName = str(template.Object_Api_Name__c);
  if (!describeObject(objectApiName)) {
    problems.push(label('Jira_Error_Unknown_Object', objectApiName));
    return problems;
  }
  for (const mergePath of scan(templateTexts(template, mappings).join('\n'))) {
    if (isBuiltIn(mergePath)) {
      if (!BUILT_INS.has(mergePath)) problems.push(label('Jira_Error_Unknown_Built_In', mergePath));
    } else if (!resolvePath(objectApiName as string, mergePath)) {
      problems.push(label('Jira_Error_Unresolved_Path', mergePath, objectApiName));
    }
  }
  return problems;
}

/** JiraTemplateService.toPayload: the template as the relay takes it. */
export function toPayload(template: SObject): Record<string, unknown> {
  const policy = policyPayload(template);
  return {
    id: template.Id || null,
    name: str(template.Name),
    objectApiName: str(template.Object_Api_Name__c),
    connection: str(template.Connection__c),
    projectKey: str(template.Project_Key__c),
    issueType: str(template.Issue_Type__c),
    summary: str(template.Summary__c),
    description: str(template.Description__c) ?? '',
    fields: parseMappings(template.Field_Mappings__c),
    remoteLink: template.Remote_Link__c === true,
    allowComments: template.Allow_Comments__c === true,
    allowedTransitions: splitLines(template.Allowed_Transitions__c),
    duplicateCheck: template.Duplicate_Check__c === true,
    // Apex sends `attachments: null` when files are not allowed; the relay takes both alike.
    ...(policy ? { attachments: policy } : {}),
  };
}

/** JiraTemplateService.recordUrl */
export const recordUrl = (org: SandboxOrg, recordId: string) => `${org.domainUrl}/${recordId}`;

/**
 * JiraTemplateService.readRecord: only the fields the template references, relationships
 * nested (`Account.Name` → {"Account": {"Name": …}}), read as the user (who may read
 * everything in the sandbox).
 */
export function readRecord(
  org: SandboxOrg,
  template: SObject,
  recordId: string,
): Record<string, unknown> {
  const objectApiName = str(template.Object_Api_Name__c) ?? '';
  if (objectOfId(recordId)?.name.toLowerCase() !== objectApiName.toLowerCase())
    throw new JiraServiceException('TEMPLATE_OBJECT_MISMATCH', label('Jira_Error_Template_Object'));
  const paths = recordPaths(templateTexts(template, parseMappings(template.Field_Mappings__c)));
  if (paths.some((mergePath) => !resolvePath(objectApiName, mergePath)))
    throw new JiraServiceException('TEMPLATE_INVALID', label('Jira_Error_Invalid_Path'));
  const row = org.get(recordId);
  if (!row)
    throw new JiraServiceException('RECORD_NOT_FOUND', label('Jira_Error_Record_Not_Found'));
  const fields: Record<string, unknown> = {};
  for (const mergePath of paths) {
    const segments = mergePath.split('.');
    let level = fields;
    for (const [index, segment] of segments.slice(0, -1).entries()) {
      const parent = org.valueOf(row, segments.slice(0, index + 1).join('.') + '.Id');
      if (parent === null) {
        level[segment] = null;
        level = {};
        break;
      }
      level[segment] = (level[segment] as Record<string, unknown> | undefined) ?? {};
      level = level[segment] as Record<string, unknown>;
    }
    level[segments[segments.length - 1] as string] = org.valueOf(row, mergePath);
  }
  return { id: row.Id, url: recordUrl(org, row.Id), objectApiName, fields };
}
