/**
 * Reads the admin-facing metadata in force-app (page layouts, compact layouts, list views,
 * tabs, apps and permission sets) for the offline checks. Element names follow the Metadata
 * API; lists that may hold one element are always read as arrays.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { DEFAULT_DIR, listFiles } from './metadata';

const REPEATED = new Set([
  'layoutSections',
  'layoutColumns',
  'layoutItems',
  'relatedLists',
  'fields',
  'columns',
  'filters',
  'fieldPermissions',
  'objectPermissions',
  'classAccesses',
  'tabSettings',
  'userPermissions',
  'customPermissions',
  'applicationVisibilities',
  'externalCredentialPrincipalAccesses',
  'tabs',
]);

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => REPEATED.has(name),
});

function parse<T>(file: string, root: string): T {
  return (xml.parse(readFileSync(file, 'utf8')) as Record<string, T>)[root] as T;
}

/** One field placed on a page layout. */
export interface LayoutItem {
  field: string;
  behavior: string;
}

export interface PageLayout {
  name: string;
  objectApiName: string;
  items: LayoutItem[];
  relatedLists: Array<{ relatedList: string; fields: string[] }>;
}

/** Every page layout, named `<Object>-<Layout Name>`. */
export function readLayouts(): PageLayout[] {
  return listFiles(join(DEFAULT_DIR, 'layouts'), ['.layout-meta.xml']).map((file) => {
    const name = basename(file, '.layout-meta.xml');
    const layout = parse<{
      layoutSections?: Array<{
        layoutColumns?: Array<{ layoutItems?: Array<{ field?: string; behavior?: string }> }>;
      }>;
      relatedLists?: Array<{ relatedList: string; fields?: string[] }>;
    }>(file, 'Layout');
    const items = (layout.layoutSections ?? [])
      .flatMap((section) => section.layoutColumns ?? [])
      .flatMap((column) => column.layoutItems ?? [])
      .filter((item): item is { field: string; behavior?: string } => Boolean(item.field))
      .map((item) => ({ field: item.field, behavior: item.behavior ?? '' }));
    return {
      name,
      objectApiName: name.slice(0, name.indexOf('-')),
      items,
      relatedLists: (layout.relatedLists ?? []).map((related) => ({
        relatedList: related.relatedList,
        fields: related.fields ?? [],
      })),
    };
  });
}

/** Object-level settings the checks need beyond the fields. */
export interface ObjectSettings {
  apiName: string;
  customSettingsType?: string;
  /** Set on platform events (`__e`): messages, not records, so no layouts, list views or tabs. */
  eventType?: string;
  nameFieldType?: string;
  compactLayoutAssignment?: string;
  compactLayouts: Map<string, CompactLayout>;
  listViews: Map<string, ListView>;
}

/** A compact layout; `fullName` must repeat the file name or the converted object loses it. */
export interface CompactLayout {
  fullName?: string;
  label: string;
  fields: string[];
}

export interface ListView {
  name: string;
  label: string;
  filterScope: string;
  columns: string[];
  filters: Array<{ field: string; operation: string; value: string }>;
}

/** Every object folder's settings, compact layouts and list views, keyed by API name. */
export function readObjectSettings(): Map<string, ObjectSettings> {
  const result = new Map<string, ObjectSettings>();
  const objectsDir = join(DEFAULT_DIR, 'objects');
  for (const apiName of readdirSync(objectsDir).sort()) {
    const object = parse<{
      customSettingsType?: string;
      eventType?: string;
      compactLayoutAssignment?: string;
      nameField?: { type?: string };
    }>(join(objectsDir, apiName, `${apiName}.object-meta.xml`), 'CustomObject');
    const compactLayouts = new Map<string, CompactLayout>();
    for (const file of listFiles(join(objectsDir, apiName, 'compactLayouts'), [
      '.compactLayout-meta.xml',
    ])) {
      const compact = parse<{ fullName?: string; label: string; fields?: string[] }>(
        file,
        'CompactLayout',
      );
      compactLayouts.set(basename(file, '.compactLayout-meta.xml'), {
        fullName: compact.fullName,
        label: compact.label,
        fields: compact.fields ?? [],
      });
    }
    const listViews = new Map<string, ListView>();
    for (const file of listFiles(join(objectsDir, apiName, 'listViews'), ['.listView-meta.xml'])) {
      const view = parse<{
        fullName: string;
        label: string;
        filterScope: string;
        columns?: string[];
        filters?: Array<{ field: string; operation: string; value?: string }>;
      }>(file, 'ListView');
      listViews.set(view.label, {
        name: view.fullName,
        label: view.label,
        filterScope: view.filterScope,
        columns: view.columns ?? [],
        filters: (view.filters ?? []).map((filter) => ({ ...filter, value: filter.value ?? '' })),
      });
    }
    result.set(apiName, {
      apiName,
      customSettingsType: object.customSettingsType,
      eventType: object.eventType,
      nameFieldType: object.nameField?.type,
      compactLayoutAssignment: object.compactLayoutAssignment,
      compactLayouts,
      listViews,
    });
  }
  return result;
}

export interface FieldHelp {
  objectApiName: string;
  apiName: string;
  label: string;
  description?: string;
  inlineHelpText?: string;
  formula: boolean;
}

/** Label, help text and whether a field is computed, for every custom field in force-app. */
export function readFieldHelp(): FieldHelp[] {
  return listFiles(join(DEFAULT_DIR, 'objects'), ['.field-meta.xml']).map((file) => {
    const field = parse<{
      fullName: string;
      label: string;
      description?: string;
      inlineHelpText?: string;
      formula?: string;
    }>(file, 'CustomField');
    return {
      objectApiName: basename(join(file, '..', '..')),
      apiName: field.fullName,
      label: field.label,
      description: field.description,
      inlineHelpText: field.inlineHelpText,
      formula: field.formula !== undefined,
    };
  });
}

export interface TabDefinition {
  name: string;
  motif?: string;
  customObject: boolean;
  flexiPage?: string;
}

/** Every custom tab. */
export function readTabs(): TabDefinition[] {
  return listFiles(join(DEFAULT_DIR, 'tabs'), ['.tab-meta.xml']).map((file) => {
    const tab = parse<{ motif?: string; customObject?: string; flexiPage?: string }>(
      file,
      'CustomTab',
    );
    return {
      name: basename(file, '.tab-meta.xml'),
      motif: tab.motif,
      customObject: tab.customObject === 'true',
      flexiPage: tab.flexiPage,
    };
  });
}

/** Tabs listed by each custom app. */
export function readAppTabs(): Map<string, string[]> {
  const apps = new Map<string, string[]>();
  for (const file of listFiles(join(DEFAULT_DIR, 'applications'), ['.app-meta.xml'])) {
    const app = parse<{ tabs?: string[] }>(file, 'CustomApplication');
    apps.set(basename(file, '.app-meta.xml'), app.tabs ?? []);
  }
  return apps;
}

export interface PermissionSetDefinition {
  name: string;
  label: string;
  description?: string;
  fieldPermissions: Array<{ field: string; readable: boolean; editable: boolean }>;
  objectPermissions: Array<{
    object: string;
    allowCreate: boolean;
    allowRead: boolean;
    allowEdit: boolean;
    allowDelete: boolean;
    viewAllRecords: boolean;
    modifyAllRecords: boolean;
  }>;
  classAccesses: string[];
  tabSettings: string[];
  userPermissions: string[];
}

const flag = (value: unknown) => value === 'true';

/** Every permission set, keyed by API name. */
export function readPermissionSets(): Map<string, PermissionSetDefinition> {
  const sets = new Map<string, PermissionSetDefinition>();
  const dir = join(DEFAULT_DIR, 'permissionsets');
  if (!existsSync(dir)) return sets;
  for (const file of listFiles(dir, ['.permissionset-meta.xml'])) {
    const set = parse<{
      label: string;
      description?: string;
      fieldPermissions?: Array<Record<string, string>>;
      objectPermissions?: Array<Record<string, string>>;
      classAccesses?: Array<{ apexClass: string; enabled: string }>;
      tabSettings?: Array<{ tab: string }>;
      userPermissions?: Array<{ name: string; enabled: string }>;
    }>(file, 'PermissionSet');
    const name = basename(file, '.permissionset-meta.xml');
    sets.set(name, {
      name,
      label: set.label,
      description: set.description,
      fieldPermissions: (set.fieldPermissions ?? []).map((permission) => ({
        field: String(permission.field),
        readable: flag(permission.readable),
        editable: flag(permission.editable),
      })),
      objectPermissions: (set.objectPermissions ?? []).map((permission) => ({
        object: String(permission.object),
        allowCreate: flag(permission.allowCreate),
        allowRead: flag(permission.allowRead),
        allowEdit: flag(permission.allowEdit),
        allowDelete: flag(permission.allowDelete),
        viewAllRecords: flag(permission.viewAllRecords),
        modifyAllRecords: flag(permission.modifyAllRecords),
      })),
      classAccesses: (set.classAccesses ?? [])
        .filter((access) => flag(access.enabled))
        .map((access) => access.apexClass),
      tabSettings: (set.tabSettings ?? []).map((setting) => setting.tab),
      userPermissions: (set.userPermissions ?? [])
        .filter((permission) => flag(permission.enabled))
        .map((permission) => permission.name),
    });
  }
  return sets;
}
