/**
 * The sandbox org's schema: the objects a template may target and the package's own objects,
 * described as far as the Apex services ask (field names, labels, lookups and their
 * relationship names, name fields).
 */
export interface FieldDescribe {
  name: string;
  label: string;
  type:
    | 'id'
    | 'string'
    | 'textarea'
    | 'picklist'
    | 'reference'
    | 'datetime'
    | 'boolean'
    | 'email'
    | 'phone'
    | 'number';
  referenceTo?: string;
  relationshipName?: string;
  nameField?: boolean;
  picklistValues?: string[];
}

export interface ObjectDescribe {
  name: string;
  label: string;
  keyPrefix: string;
  /** Queryable, searchable and no custom setting: SchemaPaths.templateObjects lists it. */
  templateTarget: boolean;
  fields: FieldDescribe[];
}

const id: FieldDescribe = { name: 'Id', label: 'Record ID', type: 'id' };
/** A lookup, with its relationship name as Salesforce derives it (AccountId → Account, X__c → X__r). */
const lookup = (name: string, label: string, referenceTo: string): FieldDescribe => ({
  name,
  label,
  type: 'reference',
  referenceTo,
  relationshipName: name.endsWith('__c') ? `${name.slice(0, -3)}__r` : name.replace(/Id$/, ''),
});
const owner = lookup('OwnerId', 'Owner ID', 'User');
const created: FieldDescribe = { name: 'CreatedDate', label: 'Created Date', type: 'datetime' };

export const OBJECTS: ObjectDescribe[] = [
  {
    name: 'Account',
    label: 'Account',
    keyPrefix: '001',
    templateTarget: true,
    fields: [
      id,
      { name: 'Name', label: 'Account Name', type: 'string', nameField: true },
      { name: 'AccountNumber', label: 'Account Number', type: 'string' },
      { name: 'Industry', label: 'Industry', type: 'picklist' },
      { name: 'Phone', label: 'Account Phone', type: 'phone' },
      { name: 'Website', label: 'Website', type: 'string' },
      owner,
      created,
    ],
  },
  {
    name: 'Contact',
    label: 'Contact',
    keyPrefix: '003',
    templateTarget: true,
    fields: [
      id,
      { name: 'Name', label: 'Full Name', type: 'string', nameField: true },
      { name: 'Email', label: 'Email', type: 'email' },
      { name: 'Phone', label: 'Business Phone', type: 'phone' },
      lookup('AccountId', 'Account ID', 'Account'),
      owner,
      created,
    ],
  },
  {
    name: 'Case',
    label: 'Case',
    keyPrefix: '500',
    templateTarget: true,
    fields: [
      id,
      { name: 'CaseNumber', label: 'Case Number', type: 'string', nameField: true },
      { name: 'Subject', label: 'Subject', type: 'string' },
      { name: 'Description', label: 'Description', type: 'textarea' },
      {
        name: 'Priority',
        label: 'Priority',
        type: 'picklist',
        picklistValues: ['High', 'Medium', 'Low'],
      },
      {
        name: 'Status',
        label: 'Status',
        type: 'picklist',
        picklistValues: ['New', 'Working', 'Escalated', 'Closed'],
      },
      {
        name: 'Origin',
        label: 'Case Origin',
        type: 'picklist',
        picklistValues: ['Phone', 'Email', 'Web'],
      },
      { name: 'Type', label: 'Case Type', type: 'picklist' },
      lookup('AccountId', 'Account ID', 'Account'),
      lookup('ContactId', 'Contact ID', 'Contact'),
      owner,
      created,
    ],
  },
  {
    name: 'User',
    label: 'User',
    keyPrefix: '005',
    templateTarget: true,
    fields: [
      id,
      { name: 'Name', label: 'Full Name', type: 'string', nameField: true },
      { name: 'Email', label: 'Email', type: 'email' },
      { name: 'Username', label: 'Username', type: 'string' },
    ],
  },
  {
    name: 'Jira_Rule_Template__c',
    label: 'Jira Rule Template',
    keyPrefix: 'a0B',
    templateTarget: false,
    fields: [
      id,
      { name: 'Name', label: 'Template Name', type: 'string', nameField: true },
      { name: 'Active__c', label: 'Active', type: 'boolean' },
      { name: 'Object_Api_Name__c', label: 'Object', type: 'string' },
      { name: 'Connection__c', label: 'Connection', type: 'string' },
      { name: 'Project_Key__c', label: 'Project Key', type: 'string' },
      { name: 'Issue_Type__c', label: 'Issue Type', type: 'string' },
      { name: 'Summary__c', label: 'Summary', type: 'string' },
      { name: 'Description__c', label: 'Description', type: 'textarea' },
      { name: 'Field_Mappings__c', label: 'Field Mappings', type: 'textarea' },
      { name: 'Remote_Link__c', label: 'Remote Link', type: 'boolean' },
      { name: 'Allow_Comments__c', label: 'Allow Comments', type: 'boolean' },
      { name: 'Allowed_Transitions__c', label: 'Allowed Transitions', type: 'textarea' },
      { name: 'Duplicate_Check__c', label: 'Check for Duplicates', type: 'boolean' },
      { name: 'Attachments_Allowed__c', label: 'Attachments Allowed', type: 'boolean' },
      { name: 'Attachment_Extensions__c', label: 'Attachment Extensions', type: 'string' },
      { name: 'Attachment_Max_File_MB__c', label: 'Attachment Max File (MB)', type: 'number' },
      { name: 'Attachment_Max_Total_MB__c', label: 'Attachment Max Total (MB)', type: 'number' },
      { name: 'Attachment_Max_Files__c', label: 'Attachment Max Files', type: 'number' },
      {
        name: 'Health_Status__c',
        label: 'Health Status',
        type: 'picklist',
        picklistValues: ['ok', 'warning', 'error'],
      },
      { name: 'Health_Problems__c', label: 'Health Problems', type: 'textarea' },
      { name: 'Health_Checked_At__c', label: 'Health Checked At', type: 'datetime' },
      { name: 'Health_Notified__c', label: 'Health Notified', type: 'string' },
    ],
  },
  {
    name: 'Jira_Link__c',
    label: 'Jira Link',
    keyPrefix: 'a0C',
    templateTarget: false,
    fields: [
      id,
      { name: 'Name', label: 'Link Number', type: 'string', nameField: true },
      { name: 'Record_Id__c', label: 'Record Id', type: 'string' },
      { name: 'Object_Api_Name__c', label: 'Object', type: 'string' },
      { name: 'Issue_Key__c', label: 'Issue Key', type: 'string' },
      { name: 'Issue_Id__c', label: 'Issue Id', type: 'string' },
      { name: 'Issue_Url__c', label: 'Issue URL', type: 'string' },
      { name: 'Connection__c', label: 'Connection', type: 'string' },
      lookup('Template__c', 'Template', 'Jira_Rule_Template__c'),
      lookup('Linked_By__c', 'Linked By', 'User'),
      { name: 'Linked_At__c', label: 'Linked At', type: 'datetime' },
      { name: 'Link_Key__c', label: 'Link Key', type: 'string' },
    ],
  },
  // Salesforce Files: a document, its versions (bodies in VersionData) and its links to records.
  {
    name: 'ContentDocument',
    label: 'Content Document',
    keyPrefix: '069',
    templateTarget: false,
    fields: [
      id,
      { name: 'Title', label: 'Title', type: 'string', nameField: true },
      { name: 'FileExtension', label: 'File Extension', type: 'string' },
      { name: 'ContentSize', label: 'Size', type: 'number' },
      lookup('LatestPublishedVersionId', 'Latest Published Version ID', 'ContentVersion'),
    ],
  },
  {
    name: 'ContentVersion',
    label: 'Content Version',
    keyPrefix: '068',
    templateTarget: false,
    fields: [
      id,
      { name: 'Title', label: 'Title', type: 'string', nameField: true },
      { name: 'FileExtension', label: 'File Extension', type: 'string' },
      { name: 'ContentSize', label: 'Size', type: 'number' },
      lookup('ContentDocumentId', 'Content Document ID', 'ContentDocument'),
      { name: 'IsLatest', label: 'Is Latest', type: 'boolean' },
    ],
  },
  {
    name: 'ContentDocumentLink',
    label: 'Content Document Link',
    keyPrefix: '06A',
    templateTarget: false,
    fields: [
      id,
      { name: 'LinkedEntityId', label: 'Linked Entity ID', type: 'string' },
      lookup('ContentDocumentId', 'Content Document ID', 'ContentDocument'),
    ],
  },
];

export function describeObject(
  objectApiName: string | null | undefined,
): ObjectDescribe | undefined {
  if (!objectApiName) return undefined;
  const wanted = objectApiName.toLowerCase();
  return OBJECTS.find((object) => object.name.toLowerCase() === wanted);
}

export function objectOfId(recordId: string): ObjectDescribe | undefined {
  return OBJECTS.find((object) => recordId.startsWith(object.keyPrefix));
}

/** The lookup of an object that a relationship name (`Account`, `Template__r`) follows. */
export function lookupOf(
  object: ObjectDescribe | undefined,
  relationshipName: string,
): FieldDescribe | undefined {
  const wanted = relationshipName.toLowerCase();
  return object?.fields.find((field) => field.relationshipName?.toLowerCase() === wanted);
}

/** SchemaPaths.resolve: the field a merge path names, following lookups by relationship name. */
export function resolvePath(objectApiName: string, path: string): FieldDescribe | undefined {
  let current = describeObject(objectApiName);
  const segments = path.split('.');
  for (const [index, segment] of segments.entries()) {
    if (!current) return undefined;
    const wanted = segment.toLowerCase();
    if (index === segments.length - 1)
      return current.fields.find((f) => f.name.toLowerCase() === wanted);
    current = describeObject(lookupOf(current, segment)?.referenceTo);
  }
  return undefined;
}

export function nameField(objectApiName: string): string | undefined {
  return describeObject(objectApiName)?.fields.find((field) => field.nameField)?.name;
}
