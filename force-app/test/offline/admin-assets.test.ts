import { AUDIT_FIELDS } from '../../../relay-service/src/salesforce/audit-record';
import {
  readAppTabs,
  readFieldHelp,
  readLayouts,
  readObjectSettings,
  readPermissionSets,
  readTabs,
  type ListView,
} from './support/admin-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORCE_APP, listFiles, readObjects, rel, REPO_ROOT } from './support/metadata';
import { TAB_MOTIFS } from './support/tab-motifs';

/**
 * What an admin meets after install: a page layout, a compact layout, list views and a tab for
 * every object, help text on every field, and the permission set for the relay's integration
 * user. All of these fail only at deploy or in use, so they are checked here without an org.
 */

const objects = readObjects();
const settings = readObjectSettings();
const layouts = readLayouts();
const permissionSets = readPermissionSets();
const tabs = readTabs();

/**
 * Custom objects with records. Custom settings and platform events have no page layouts, list
 * views or tabs (an event is a message a trigger consumes; nobody opens or edits one).
 */
const recordObjects = [...settings.values()]
  .filter((object) => !object.customSettingsType && !object.eventType)
  .map((object) => object.apiName);
const platformEvents = new Set(
  [...settings.values()].filter((object) => object.eventType).map((object) => object.apiName),
);

/** Standard fields a layout or compact layout may name on a custom object. */
const STANDARD_FIELDS = new Set(['Name', 'OwnerId', 'CreatedById', 'LastModifiedById']);
/** Standard list-view columns of a custom object. */
const STANDARD_COLUMNS = new Set([
  'NAME',
  'OWNER.ALIAS',
  'CREATED_DATE',
  'CREATEDBY_USER',
  'LAST_UPDATE',
  'UPDATEDBY_USER',
]);

function hasField(objectApiName: string, field: string): boolean {
  return STANDARD_FIELDS.has(field) || Boolean(objects.get(objectApiName)?.fields.has(field));
}

/** Fields Salesforce requires on every record: the text Name and every required custom field. */
function requiredFields(objectApiName: string): string[] {
  const custom = [...(objects.get(objectApiName)?.fields.values() ?? [])]
    .filter((field) => field.required)
    .map((field) => field.apiName);
  return settings.get(objectApiName)?.nameFieldType === 'Text' ? ['Name', ...custom] : custom;
}

/** The list views an admin is promised per object, by label. */
const EXPECTED_LIST_VIEWS: Record<string, string[]> = {
  Jira_Rule_Template__c: ['All templates', 'Active templates'],
  Jira_Audit_Event__c: ['Audit events, last 7 days', 'Failed audit events'],
  Jira_Link__c: ['All links', 'My links', 'Open Jira issues', 'Missing in Jira'],
};

function listView(objectApiName: string, label: string): ListView {
  const view = settings.get(objectApiName)?.listViews.get(label);
  if (!view) throw new Error(`${objectApiName} has no list view "${label}"`);
  return view;
}

describe('page layouts', () => {
  it('cover exactly the objects with records', () => {
    expect(recordObjects.sort()).toEqual(Object.keys(EXPECTED_LIST_VIEWS).sort());
  });

  it.each(recordObjects)('%s has a page layout', (objectApiName) => {
    expect(layouts.filter((layout) => layout.objectApiName === objectApiName)).not.toHaveLength(0);
  });

  it.each(layouts.map((layout) => [layout.name, layout] as const))(
    '%s names only fields of its object, each once',
    (_name, layout) => {
      const fields = layout.items.map((item) => item.field);
      expect(fields.filter((field) => !hasField(layout.objectApiName, field))).toEqual([]);
      expect(new Set(fields).size).toBe(fields.length);
    },
  );

  it.each(layouts.map((layout) => [layout.name, layout] as const))(
    '%s shows every required field as Required (a deploy fails otherwise)',
    (_name, layout) => {
      const behaviors = new Map(layout.items.map((item) => [item.field, item.behavior]));
      for (const field of requiredFields(layout.objectApiName)) {
        expect([field, behaviors.get(field)]).toEqual([field, 'Required']);
      }
    },
  );

  it.each(layouts.map((layout) => [layout.name, layout] as const))(
    '%s lists related records by an existing lookup and existing fields',
    (_name, layout) => {
      for (const related of layout.relatedLists) {
        const [child, lookup] = related.relatedList.split('.');
        expect(objects.get(child ?? '')?.fields.get(lookup ?? '')?.referenceTo).toBe(
          layout.objectApiName,
        );
        expect(related.fields.filter((field) => !hasField(child ?? '', field))).toEqual([]);
      }
    },
  );

  it('the audit event layout lets nobody edit what the relay wrote', () => {
    const audit = layouts.find((layout) => layout.objectApiName === 'Jira_Audit_Event__c');
    const editable = (audit?.items ?? []).filter(
      (item) => item.behavior === 'Edit' && item.field !== 'OwnerId',
    );
    expect(editable).toEqual([]);
  });
});

describe('compact layouts', () => {
  it.each(recordObjects)('%s is assigned a compact layout of its own', (objectApiName) => {
    const object = settings.get(objectApiName);
    const assigned = object?.compactLayoutAssignment ?? '';
    expect(assigned).not.toBe('SYSTEM');
    expect(object?.compactLayouts.has(assigned)).toBe(true);
  });

  it.each(recordObjects)(
    '%s compact layouts are named and show 2 to 10 existing fields',
    (objectApiName) => {
      for (const [name, compact] of settings.get(objectApiName)?.compactLayouts ?? []) {
        expect(compact.fullName).toBe(name);
        expect(compact.fields.length).toBeGreaterThanOrEqual(2);
        expect(compact.fields.length).toBeLessThanOrEqual(10);
        expect(compact.fields.filter((field) => !hasField(objectApiName, field))).toEqual([]);
      }
    },
  );
});

describe('list views', () => {
  it.each(Object.entries(EXPECTED_LIST_VIEWS))('%s has the list views %j', (object, labels) => {
    for (const label of labels) expect(() => listView(object, label)).not.toThrow();
  });

  it.each(recordObjects)('%s list views name existing columns and filter fields', (object) => {
    for (const view of settings.get(object)?.listViews.values() ?? []) {
      const unknown = [
        ...view.columns.filter((column) => !STANDARD_COLUMNS.has(column)),
        ...view.filters.map((filter) => filter.field),
      ].filter((field) => !objects.get(object)?.fields.has(field));
      expect([view.label, unknown]).toEqual([view.label, []]);
      expect(view.name).toMatch(/^[A-Za-z][A-Za-z0-9_]*$/);
    }
  });

  it('"Active templates" shows only active templates, "All templates" all of them', () => {
    expect(listView('Jira_Rule_Template__c', 'Active templates').filters).toEqual([
      { field: 'Active__c', operation: 'equals', value: '1' },
    ]);
    expect(listView('Jira_Rule_Template__c', 'All templates')).toMatchObject({
      filterScope: 'Everything',
      filters: [],
    });
  });

  it('"Audit events, last 7 days" filters on when the operation happened', () => {
    expect(listView('Jira_Audit_Event__c', 'Audit events, last 7 days')).toMatchObject({
      filterScope: 'Everything',
      filters: [{ field: 'Occurred_At__c', operation: 'equals', value: 'LAST_N_DAYS:7' }],
    });
  });

  it('"Failed audit events" filters on an Outcome__c value that exists', () => {
    const view = listView('Jira_Audit_Event__c', 'Failed audit events');
    expect(view.filters).toEqual([{ field: 'Outcome__c', operation: 'equals', value: 'Failed' }]);
    expect(objects.get('Jira_Audit_Event__c')?.fields.get('Outcome__c')?.picklistValues).toContain(
      'Failed',
    );
    expect(view.columns).toEqual(expect.arrayContaining(['Error_Code__c', 'Error_Message__c']));
  });
});

describe('Jira status of links', () => {
  it('"Open Jira issues" shows every link whose issue Jira last had open, with its Jira status', () => {
    const view = listView('Jira_Link__c', 'Open Jira issues');
    expect(view).toMatchObject({
      filterScope: 'Everything',
      filters: [{ field: 'Jira_Issue_Open__c', operation: 'equals', value: '1' }],
    });
    expect(view.columns).toEqual(
      expect.arrayContaining(['Jira_Status__c', 'Jira_Priority__c', 'Jira_Assignee__c']),
    );
  });

  it('"Missing in Jira" shows the links whose issue Jira no longer returns', () => {
    expect(listView('Jira_Link__c', 'Missing in Jira').filters).toEqual([
      { field: 'Missing_In_Jira__c', operation: 'equals', value: '1' },
    ]);
  });

  it('the Jira fields are read-only for everyone: only the refresh writes them', () => {
    const jiraFields = [
      'Jira_Status__c',
      'Jira_Status_Category__c',
      'Jira_Priority__c',
      'Jira_Assignee__c',
      'Jira_Updated_At__c',
      'Missing_In_Jira__c',
      'Status_Refreshed_At__c',
      'Jira_Issue_Open__c',
    ];
    const link = layouts.find((layout) => layout.objectApiName === 'Jira_Link__c');
    for (const field of jiraFields) {
      expect([field, link?.items.find((item) => item.field === field)?.behavior]).toEqual([
        field,
        'Readonly',
      ]);
    }
  });
});

describe('help text', () => {
  const fields = readFieldHelp().filter(
    (field) => !field.formula && !platformEvents.has(field.objectApiName),
  );
  const eventFields = readFieldHelp().filter((field) => platformEvents.has(field.objectApiName));

  it('platform events are told apart from objects with records', () => {
    expect([...platformEvents]).toEqual(['Jira_Audit_Entry__e']);
    expect(eventFields.length).toBeGreaterThan(5);
  });

  // Nobody edits a platform event's fields in a screen, so they have no help text; the
  // description is what a developer subscribing to the event reads.
  it.each(eventFields.map((field) => [`${field.objectApiName}.${field.apiName}`, field] as const))(
    '%s (platform event) has a description that says more than its label, and no help text',
    (_name, field) => {
      const description = (field.description ?? '').trim();
      expect(description.length).toBeGreaterThan(field.label.length + 10);
      expect(description.length).toBeLessThanOrEqual(1000);
      expect(field.inlineHelpText).toBeUndefined();
    },
  );

  it.each(fields.map((field) => [`${field.objectApiName}.${field.apiName}`, field] as const))(
    '%s has help text that says more than its label (at most 510 characters)',
    (_name, field) => {
      const help = (field.inlineHelpText ?? '').trim();
      expect(help).not.toBe('');
      expect(help.length).toBeLessThanOrEqual(510);
      expect(help.toLowerCase()).not.toBe(field.label.toLowerCase());
    },
  );
});

describe('tabs and the app', () => {
  it.each(tabs.map((tab) => [tab.name, tab] as const))(
    '%s uses a tab style Salesforce knows',
    (_name, tab) => {
      expect(TAB_MOTIFS).toContain(tab.motif);
    },
  );

  it('the motif list rejects a style Salesforce does not have', () => {
    expect(TAB_MOTIFS).not.toContain('Custom62: Book');
    expect(new Set(TAB_MOTIFS).size).toBe(100);
  });

  it.each(recordObjects)('%s has an object tab in the Pharos Jira app', (objectApiName) => {
    expect(tabs.find((tab) => tab.name === objectApiName)?.customObject).toBe(true);
    expect(readAppTabs().get('Pharos_Jira')).toContain(objectApiName);
  });

  it('every tab the app lists exists', () => {
    const names = new Set(tabs.map((tab) => tab.name));
    for (const [app, appTabs] of readAppTabs())
      expect([app, appTabs.filter((tab) => !names.has(tab))]).toEqual([app, []]);
  });
});

describe('permission sets', () => {
  it.each([...permissionSets.values()].map((set) => [set.name, set] as const))(
    '%s has a description Salesforce accepts (at most 255 characters)',
    (_name, set) => {
      expect((set.description ?? '').trim()).not.toBe('');
      expect((set.description ?? '').length).toBeLessThanOrEqual(255);
    },
  );

  describe('Pharos_Jira_Relay_Integration (the user the relay writes audit events as)', () => {
    const integration = permissionSets.get('Pharos_Jira_Relay_Integration');
    const auditFields = objects.get('Jira_Audit_Event__c')?.fields;

    it('exists', () => {
      expect(integration).toBeDefined();
    });

    it('creates and edits Jira_Audit_Event__c, and nothing else on any object', () => {
      expect(integration?.objectPermissions).toEqual([
        {
          object: 'Jira_Audit_Event__c',
          allowCreate: true,
          allowRead: true,
          allowEdit: true,
          allowDelete: false,
          viewAllRecords: false,
          modifyAllRecords: false,
        },
      ]);
    });

    it('edits exactly the fields the relay writes (a required field is editable without a grant)', () => {
      const written = AUDIT_FIELDS.map((field) => field.name as string);
      const grantable = written.filter((name) => !auditFields?.get(name)?.required);
      expect(grantable.length).toBeGreaterThan(10);
      expect(
        integration?.fieldPermissions
          .filter((permission) => permission.editable && permission.readable)
          .map((permission) => permission.field)
          .sort(),
      ).toEqual(grantable.map((name) => `Jira_Audit_Event__c.${name}`).sort());
      expect(integration?.fieldPermissions.every((permission) => permission.editable)).toBe(true);
      // The external id the upsert matches on is required, so it is writable with the object.
      expect(auditFields?.get('Request_Id__c')?.required).toBe(true);
    });

    it('is API enabled and grants no Apex, tab or other user permission', () => {
      expect(integration?.userPermissions).toEqual(['ApiEnabled']);
      expect(integration?.classAccesses).toEqual([]);
      expect(integration?.tabSettings).toEqual([]);
    });
  });
});

describe('namespace', () => {
  const { namespace } = JSON.parse(readFileSync(join(REPO_ROOT, 'sfdx-project.json'), 'utf8')) as {
    namespace: string;
  };
  const sources = listFiles(join(FORCE_APP, 'main'), ['.xml', '.cls', '.trigger', '.js', '.html']);

  it('is set once, in sfdx-project.json', () => {
    expect(namespace).toBe('pjx');
  });

  it.each(sources.map((file) => [rel(file), file] as const))(
    '%s does not name the prefix (the platform adds it; unpackaged deploys have none)',
    (_name, file) => {
      expect(readFileSync(file, 'utf8')).not.toMatch(new RegExp(`\\b${namespace}__\\w`));
    },
  );
});
