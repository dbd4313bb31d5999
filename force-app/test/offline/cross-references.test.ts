import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import {
  DEFAULT_DIR,
  listApexSources,
  listFiles,
  listLwcModules,
  readLabelNames,
  readObjects,
  rel,
  stripApexComments,
} from './support/metadata';
import {
  apexLabels,
  auraEnabledMethods,
  lwcApexImports,
  lwcLabels,
  lwcSchemaImports,
  resolveCustomPath,
  staticQueries,
} from './support/references';

const objects = readObjects();
const labels = readLabelNames();
const apexFiles = listApexSources();
const apexCode = new Map(
  apexFiles.map((file) => [file, stripApexComments(readFileSync(file, 'utf8'))]),
);
const classes = new Map(
  apexFiles
    .filter((file) => file.endsWith('.cls'))
    .map((file) => [basename(file, '.cls'), apexCode.get(file) ?? '']),
);
const lwcModules = listLwcModules();

describe('the cross-check helpers', () => {
  it('when a query names a missing field then it is found', () => {
    const [query] = staticQueries(
      'x = [SELECT Id, Template__r.Nope__c FROM Jira_Link__c WHERE Issue_Key__c = :k];',
    );
    expect(query?.objectApiName).toBe('Jira_Link__c');
    expect(query?.paths).toEqual(['Template__r.Nope__c', 'Issue_Key__c']);
    expect(resolveCustomPath(objects, 'Jira_Link__c', 'Template__r.Nope__c')).toMatch(
      /does not exist/,
    );
    expect(resolveCustomPath(objects, 'Jira_Link__c', 'Template__r.Allow_Comments__c')).toBeNull();
  });

  it('when an LWC imports Apex, labels or schema then the names are read', () => {
    const source = `import go from '@salesforce/apex/JiraActionsController.createIssue';
import title from '@salesforce/label/c.Jira_Title';
import KEY from '@salesforce/schema/Jira_Link__c.Issue_Key__c';`;
    expect(lwcApexImports(source)).toEqual([
      { className: 'JiraActionsController', methodName: 'createIssue' },
    ]);
    expect(lwcLabels(source)).toEqual(['Jira_Title']);
    expect(lwcSchemaImports(source)).toEqual(['Jira_Link__c.Issue_Key__c']);
  });
});

describe('Apex refers only to metadata that exists in force-app', () => {
  it.each(apexFiles.map((file) => [rel(file), file]))(
    '%s: every custom field in static SOQL exists',
    (_name, file) => {
      const problems: string[] = [];
      for (const query of staticQueries(apexCode.get(file) ?? '')) {
        if (!objects.has(query.objectApiName)) continue;
        for (const path of query.paths) {
          const problem = resolveCustomPath(objects, query.objectApiName, path);
          if (problem) problems.push(problem);
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it.each(apexFiles.map((file) => [rel(file), file]))(
    '%s: every custom name (…__c, …__r), also in dynamic SOQL and DML, exists',
    (_name, file) => {
      const fieldNames = new Set<string>();
      const relationshipNames = new Set<string>();
      for (const object of objects.values()) {
        for (const field of object.fields.values()) {
          fieldNames.add(field.apiName);
          if (field.relationshipName) relationshipNames.add(`${field.relationshipName}__r`);
          if (field.referenceTo) relationshipNames.add(field.apiName.replace(/__c$/, '__r'));
        }
      }
      // Tests name invalid fields on purpose inside string literals; those are test data.
      const code = rel(file).startsWith('force-app/test/')
        ? (apexCode.get(file) ?? '').replace(/'(?:[^'\\]|\\.)*'/g, "''")
        : (apexCode.get(file) ?? '');
      const unknown = [...code.matchAll(/\b(\w+__[cr])\b/g)]
        .map((match) => match[1] ?? '')
        .filter(
          (name) => !objects.has(name) && !fieldNames.has(name) && !relationshipNames.has(name),
        );
      expect(unknown).toEqual([]);
    },
  );

  it('every custom label used in Apex exists', () => {
    const missing = [...apexCode.values()].flatMap(apexLabels).filter((name) => !labels.has(name));
    expect(missing).toEqual([]);
    expect(labels.size).toBeGreaterThan(10);
  });
});

describe('Lightning Web Components refer only to metadata that exists', () => {
  it('every @salesforce/label import names an existing custom label', () => {
    const missing = lwcModules.flatMap((file) =>
      lwcLabels(readFileSync(file, 'utf8'))
        .filter((name) => !labels.has(name))
        .map((name) => `${rel(file)}: ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('every @salesforce/apex import names a static @AuraEnabled method of an existing class', () => {
    const missing = lwcModules.flatMap((file) =>
      lwcApexImports(readFileSync(file, 'utf8'))
        .filter(
          ({ className, methodName }) =>
            !auraEnabledMethods(classes.get(className) ?? '').has(methodName),
        )
        .map(({ className, methodName }) => `${rel(file)}: ${className}.${methodName}`),
    );
    expect(missing).toEqual([]);
  });

  it('every custom field imported from @salesforce/schema exists', () => {
    const missing = lwcModules.flatMap((file) =>
      lwcSchemaImports(readFileSync(file, 'utf8'))
        .filter((path) => {
          const [objectApiName, ...rest] = path.split('.');
          if (!objectApiName?.endsWith('__c')) return false;
          if (rest.length === 0) return !objects.has(objectApiName);
          return (
            resolveCustomPath(objects, objectApiName, rest.join('.')) !== null &&
            rest.join('.').includes('__')
          );
        })
        .map((path) => `${rel(file)}: ${path}`),
    );
    expect(missing).toEqual([]);
  });
});

describe('Permission sets, app and tabs refer to metadata that exists', () => {
  const parser = new XMLParser({
    ignoreAttributes: true,
    isArray: (name) =>
      [
        'classAccesses',
        'fieldPermissions',
        'objectPermissions',
        'tabSettings',
        'customPermissions',
        'tabs',
      ].includes(name),
  });
  const permissionSets = listFiles(join(DEFAULT_DIR, 'permissionsets'), [
    '.permissionset-meta.xml',
  ]);
  const tabs = new Set(
    listFiles(join(DEFAULT_DIR, 'tabs'), ['.tab-meta.xml']).map((file) =>
      basename(file, '.tab-meta.xml'),
    ),
  );
  const customPermissions = new Set(
    listFiles(join(DEFAULT_DIR, 'customPermissions'), ['.customPermission-meta.xml']).map((file) =>
      basename(file, '.customPermission-meta.xml'),
    ),
  );

  it("Jira_User, Jira_Admin and the relay integration user's set exist", () => {
    expect(permissionSets.map((file) => basename(file, '.permissionset-meta.xml'))).toEqual([
      'Jira_Admin',
      'Jira_User',
      'Pharos_Jira_Relay_Integration',
    ]);
  });

  it.each(permissionSets.map((file) => [rel(file), file]))(
    '%s grants only existing classes, objects, fields, tabs and permissions',
    (_name, file) => {
      const set = parser.parse(readFileSync(file, 'utf8')).PermissionSet as {
        classAccesses?: Array<{ apexClass: string }>;
        objectPermissions?: Array<{ object: string }>;
        fieldPermissions?: Array<{ field: string }>;
        tabSettings?: Array<{ tab: string }>;
        customPermissions?: Array<{ name: string }>;
      };
      const problems: string[] = [];
      for (const access of set.classAccesses ?? [])
        if (!classes.has(access.apexClass)) problems.push(`class ${access.apexClass}`);
      for (const access of set.objectPermissions ?? [])
        if (!objects.has(access.object)) problems.push(`object ${access.object}`);
      for (const access of set.fieldPermissions ?? []) {
        const [objectApiName = '', fieldName = ''] = access.field.split('.');
        const field = objects.get(objectApiName)?.fields.get(fieldName);
        if (!field) problems.push(`field ${access.field}`);
        else if (field.required) problems.push(`required field ${access.field} cannot be granted`);
      }
      for (const access of set.tabSettings ?? [])
        if (!tabs.has(access.tab)) problems.push(`tab ${access.tab}`);
      for (const access of set.customPermissions ?? [])
        if (!customPermissions.has(access.name)) problems.push(`custom permission ${access.name}`);
      expect(problems).toEqual([]);
    },
  );

  it('every controller with @AuraEnabled methods is granted by a permission set', () => {
    const granted = new Set(
      permissionSets.flatMap((file) =>
        (
          (
            parser.parse(readFileSync(file, 'utf8')).PermissionSet as {
              classAccesses?: Array<{ apexClass: string }>;
            }
          ).classAccesses ?? []
        ).map((access) => access.apexClass),
      ),
    );
    const controllers = [...classes.entries()]
      .filter(([name, code]) => !name.endsWith('_Test') && auraEnabledMethods(code).size > 0)
      .map(([name]) => name);
    expect(controllers.length).toBeGreaterThanOrEqual(4);
    expect(controllers.filter((name) => !granted.has(name))).toEqual([]);
  });

  it('the Pharos Jira app shows Setup, the template editor and the audit log first, and only tabs that exist', () => {
    const app = parser.parse(
      readFileSync(join(DEFAULT_DIR, 'applications', 'Pharos_Jira.app-meta.xml'), 'utf8'),
    ).CustomApplication as {
      tabs: string[];
    };
    expect(app.tabs.slice(0, 3)).toEqual(['Jira_Setup', 'Jira_Template_Editor', 'Jira_Audit_Log']);
    // The object tabs stay for list views and reports.
    expect(app.tabs).toEqual(
      expect.arrayContaining(['Jira_Rule_Template__c', 'Jira_Audit_Event__c']),
    );
    expect(app.tabs.filter((tab) => !tabs.has(tab))).toEqual([]);
  });
});
