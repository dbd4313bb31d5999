import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ComponentSet, MetadataConverter } from '@salesforce/source-deploy-retrieve';
import {
  DEFAULT_DIR,
  FORCE_APP,
  listApexSources,
  listFiles,
  readAuditEventFields,
  readObjects,
  rel,
  REPO_ROOT,
} from './support/metadata';

const sourceApiVersion = (
  JSON.parse(readFileSync(join(REPO_ROOT, 'sfdx-project.json'), 'utf8')) as {
    sourceApiVersion: string;
  }
).sourceApiVersion;

describe('Salesforce source conversion', () => {
  it('when force-app is converted with source-deploy-retrieve then it succeeds with every expected type', async () => {
    const output = mkdtempSync(join(tmpdir(), 'pharos-mdapi-'));
    try {
      const set = ComponentSet.fromSource(FORCE_APP);
      set.apiVersion = sourceApiVersion;
      set.sourceApiVersion = sourceApiVersion;
      const result = await new MetadataConverter().convert(set, 'metadata', {
        type: 'directory',
        outputDirectory: output,
        genUniqueDir: false,
      });
      const types = new Set(set.toArray().map((component) => component.type.name));
      for (const expected of [
        'ApexClass',
        'ApexTrigger',
        'CustomObject',
        'CustomLabels',
        'PermissionSet',
        'CustomPermission',
        'NamedCredential',
        'ExternalCredential',
        'CustomApplication',
        'CustomTab',
        'FlexiPage',
        'Layout',
        'StaticResource',
        'ReportType',
        'Report',
        'ReportFolder',
      ]) {
        expect(types).toContain(expected);
      }
      expect(result.converted?.length ?? 0).toBeGreaterThan(0);
      expect(existsSync(join(output, 'package.xml'))).toBe(true);
      const auditObject = readFileSync(
        join(output, 'objects', 'Jira_Audit_Event__c.object'),
        'utf8',
      );
      expect(auditObject).toContain('<fullName>Request_Id__c</fullName>');
      // List views and compact layouts are decomposed children of the object file.
      expect(auditObject).toContain('<fullName>Failed_Audit_Events</fullName>');
      expect(auditObject).toContain('<fullName>Jira_Audit_Event_Compact</fullName>');
      const packageXml = readFileSync(join(output, 'package.xml'), 'utf8');
      expect(packageXml).toContain(`<version>${sourceApiVersion}</version>`);
      // Tooling files under force-app (offline checks, jest) are ignored by .forceignore.
      const sourcePaths = set
        .getSourceComponents()
        .toArray()
        .flatMap((component) => [component.xml ?? '', component.content ?? '']);
      expect(sourcePaths.some((path) => path.includes('/offline/'))).toBe(false);
    } finally {
      rmSync(output, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('Metadata files', () => {
  const metaFiles = listFiles(FORCE_APP, ['-meta.xml']);

  it('exist', () => {
    expect(metaFiles.length).toBeGreaterThan(50);
  });

  it.each(metaFiles.map((file) => [rel(file), file]))('%s is well-formed XML', (_name, file) => {
    expect(XMLValidator.validate(readFileSync(file, 'utf8'))).toBe(true);
  });

  it('when a -meta.xml file is malformed then the validator says so', () => {
    expect(XMLValidator.validate('<a><b></a>')).not.toBe(true);
  });

  it.each(listApexSources().map((file) => [rel(file), file]))(
    '%s has its -meta.xml companion with the source API version',
    (_name, file) => {
      const meta = `${file}-meta.xml`;
      expect(existsSync(meta)).toBe(true);
      expect(readFileSync(meta, 'utf8')).toContain(`<apiVersion>${sourceApiVersion}</apiVersion>`);
    },
  );
});

describe('Data model', () => {
  const objects = readObjects();

  it('Jira_Audit_Event__c has exactly the fields of the contract audit table', () => {
    const fields = readAuditEventFields().map((field) => ({
      apiName: field.apiName,
      type: field.type,
      length: field.length,
      precision: field.precision,
      scale: field.scale,
    }));
    expect(fields.sort((a, b) => a.apiName.localeCompare(b.apiName))).toEqual(
      [
        { apiName: 'Request_Id__c', type: 'Text', length: 64 },
        { apiName: 'Operation__c', type: 'Picklist' },
        { apiName: 'Outcome__c', type: 'Picklist' },
        { apiName: 'Acting_User__c', type: 'Lookup' },
        { apiName: 'Record_Id__c', type: 'Text', length: 18 },
        { apiName: 'Issue_Key__c', type: 'Text', length: 64 },
        { apiName: 'Connection__c', type: 'Text', length: 80 },
        { apiName: 'Template_Id__c', type: 'Text', length: 18 },
        { apiName: 'Fields_Sent__c', type: 'LongTextArea', length: 32768 },
        { apiName: 'Files_Sent__c', type: 'LongTextArea', length: 32768 },
        { apiName: 'Error_Code__c', type: 'Text', length: 64 },
        { apiName: 'Error_Message__c', type: 'Text', length: 255 },
        { apiName: 'Jira_Status__c', type: 'Number', precision: 3, scale: 0 },
        { apiName: 'Identity__c', type: 'Picklist' },
        { apiName: 'Duration_Ms__c', type: 'Number', precision: 9, scale: 0 },
        { apiName: 'Occurred_At__c', type: 'DateTime' },
      ]
        .map((field) => ({ length: undefined, precision: undefined, scale: undefined, ...field }))
        .sort((a, b) => a.apiName.localeCompare(b.apiName)),
    );
  });

  it('Jira_Audit_Event__c keys, picklists and lookup follow the contract', () => {
    const fields = new Map(readAuditEventFields().map((field) => [field.apiName, field]));
    expect(fields.get('Request_Id__c')).toMatchObject({ externalId: true, unique: true });
    expect(fields.get('Operation__c')).toMatchObject({
      restricted: true,
      picklistValues: [
        'Create',
        'BulkCreate',
        'Link',
        'Unlink',
        'Comment',
        'View',
        'Transition',
        'Connect',
        'Disconnect',
      ],
    });
    expect(fields.get('Outcome__c')).toMatchObject({
      restricted: true,
      picklistValues: ['Success', 'Failed', 'Denied', 'Skipped'],
    });
    expect(fields.get('Acting_User__c')).toMatchObject({ referenceTo: 'User' });
    expect(objects.get('Jira_Audit_Event__c')?.sharingModel).toBe('Private');
  });

  it('Jira_Link__c allows one link per record and issue', () => {
    const link = objects.get('Jira_Link__c');
    expect(link?.fields.get('Link_Key__c')).toMatchObject({
      externalId: true,
      unique: true,
      required: true,
    });
    for (const name of [
      'Record_Id__c',
      'Object_Api_Name__c',
      'Issue_Key__c',
      'Issue_Id__c',
      'Issue_Url__c',
      'Connection__c',
      'Template__c',
      'Linked_By__c',
      'Linked_At__c',
    ]) {
      expect(link?.fields.has(name)).toBe(true);
    }
  });

  it('Jira_Rule_Template__c holds everything a template needs', () => {
    const template = objects.get('Jira_Rule_Template__c');
    for (const name of [
      'Active__c',
      'Object_Api_Name__c',
      'Connection__c',
      'Project_Key__c',
      'Issue_Type__c',
      'Summary__c',
      'Description__c',
      'Field_Mappings__c',
      'Remote_Link__c',
      'Allow_Comments__c',
      'Allowed_Transitions__c',
      'Duplicate_Check__c',
    ]) {
      expect(template?.fields.has(name)).toBe(true);
    }
  });

  it('Jira_Relay_Settings__c is a protected hierarchy setting whose secret field fits a 44-character base64 value', () => {
    const settings = objects.get('Jira_Relay_Settings__c');
    expect(settings).toMatchObject({ customSettingsType: 'Hierarchy', visibility: 'Protected' });
    expect(settings?.fields.get('Tenant_Secret__c')?.length).toBeGreaterThanOrEqual(44);
    expect(settings?.fields.has('Audit_Views__c')).toBe(true);
  });

  it('the Named Credential Jira_Relay uses the External Credential Jira_Relay', () => {
    const parser = new XMLParser({
      ignoreAttributes: true,
      isArray: (name) => name === 'namedCredentialParameters',
    });
    const named = parser.parse(
      readFileSync(
        join(DEFAULT_DIR, 'namedCredentials', 'Jira_Relay.namedCredential-meta.xml'),
        'utf8',
      ),
    ).NamedCredential as {
      namedCredentialParameters: Array<{ parameterType: string; externalCredential?: string }>;
    };
    const auth = named.namedCredentialParameters.find(
      (parameter) => parameter.parameterType === 'Authentication',
    );
    expect(auth?.externalCredential).toBe('Jira_Relay');
    expect(
      existsSync(
        join(DEFAULT_DIR, 'externalCredentials', 'Jira_Relay.externalCredential-meta.xml'),
      ),
    ).toBe(true);
  });
});
