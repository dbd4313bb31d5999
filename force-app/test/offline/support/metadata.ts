/**
 * Reads the Salesforce metadata in force-app without an org: objects and their fields,
 * custom labels, Apex sources and Lightning Web Component sources. Shared by the offline
 * checks and by other projects' tests (e.g. the relay's audit write-back checks
 * `readAuditEventFields()` against the fields it writes).
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';

/** Repository root (this file lives in force-app/test/offline/support). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
/** The package directory. */
export const FORCE_APP = join(REPO_ROOT, 'force-app');
/** Where the default package's metadata lives. */
export const DEFAULT_DIR = join(FORCE_APP, 'main', 'default');

/** One field of a custom object, as defined in its `.field-meta.xml`. */
export interface FieldDefinition {
  /** API name, e.g. `Request_Id__c`. */
  apiName: string;
  /** Metadata type, e.g. `Text`, `Picklist`, `Lookup`, `Number`, `LongTextArea`, `DateTime`. */
  type: string;
  /** Length for text types. */
  length?: number;
  /** Precision and scale for numbers. */
  precision?: number;
  scale?: number;
  required: boolean;
  externalId: boolean;
  unique: boolean;
  /** Target object for lookups. */
  referenceTo?: string;
  /** Relationship name for lookups (used as `<name>__r` in SOQL). */
  relationshipName?: string;
  /** Picklist values (API names) and whether the value set is restricted. */
  picklistValues?: string[];
  restricted?: boolean;
}

/** A custom object (or custom setting) and its fields. */
export interface ObjectDefinition {
  apiName: string;
  sharingModel?: string;
  customSettingsType?: string;
  visibility?: string;
  fields: Map<string, FieldDefinition>;
}

const xml = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'value',
});

/** Every file below a folder (recursively) whose name ends with one of the suffixes. */
export function listFiles(dir: string, suffixes: string[]): string[] {
  if (!existsSync(dir)) return [];
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) {
      if (entry === 'node_modules') continue;
      found.push(...listFiles(full, suffixes));
    } else if (suffixes.some((suffix) => entry.endsWith(suffix))) {
      found.push(full);
    }
  }
  return found.sort();
}

/** Path relative to the repository root, for readable test names and messages. */
export function rel(path: string): string {
  return relative(REPO_ROOT, path);
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return String(value);
}

function int(value: unknown): number | undefined {
  const raw = text(value);
  return raw === undefined ? undefined : Number.parseInt(raw, 10);
}

function parseField(path: string): FieldDefinition {
  const field = xml.parse(readFileSync(path, 'utf8')).CustomField as Record<string, unknown>;
  const valueSet = field.valueSet as
    | { restricted?: string; valueSetDefinition?: { value?: Array<{ fullName: string }> } }
    | undefined;
  return {
    apiName: String(field.fullName),
    type: String(field.type),
    length: int(field.length),
    precision: int(field.precision),
    scale: int(field.scale),
    required: text(field.required) === 'true',
    externalId: text(field.externalId) === 'true',
    unique: text(field.unique) === 'true',
    referenceTo: text(field.referenceTo),
    relationshipName: text(field.relationshipName),
    picklistValues: valueSet?.valueSetDefinition?.value?.map((value) => String(value.fullName)),
    restricted: valueSet ? text(valueSet.restricted) === 'true' : undefined,
  };
}

/** Every object folder in force-app with its fields, keyed by API name. */
export function readObjects(): Map<string, ObjectDefinition> {
  const objects = new Map<string, ObjectDefinition>();
  const objectsDir = join(DEFAULT_DIR, 'objects');
  if (!existsSync(objectsDir)) return objects;
  for (const apiName of readdirSync(objectsDir).sort()) {
    const objectFile = join(objectsDir, apiName, `${apiName}.object-meta.xml`);
    const object = existsSync(objectFile)
      ? (xml.parse(readFileSync(objectFile, 'utf8')).CustomObject as Record<string, unknown>)
      : {};
    const fields = new Map<string, FieldDefinition>();
    for (const fieldFile of listFiles(join(objectsDir, apiName, 'fields'), ['.field-meta.xml'])) {
      const field = parseField(fieldFile);
      fields.set(field.apiName, field);
    }
    objects.set(apiName, {
      apiName,
      sharingModel: text(object.sharingModel),
      customSettingsType: text(object.customSettingsType),
      visibility: text(object.visibility),
      fields,
    });
  }
  return objects;
}

/** Field definitions of one object; throws when the object is not in force-app. */
export function readObjectFields(objectApiName: string): FieldDefinition[] {
  const object = readObjects().get(objectApiName);
  if (!object) throw new Error(`Object ${objectApiName} is not defined in force-app`);
  return [...object.fields.values()];
}

/**
 * The fields of `Jira_Audit_Event__c` (API name, type, length, precision, …) — what the
 * relay may write when it upserts audit events.
 */
export function readAuditEventFields(): FieldDefinition[] {
  return readObjectFields('Jira_Audit_Event__c');
}

/** Names of every custom label in force-app. */
export function readLabelNames(): Set<string> {
  const names = new Set<string>();
  for (const file of listFiles(join(DEFAULT_DIR, 'labels'), ['.labels-meta.xml'])) {
    const parsed = new XMLParser({
      ignoreAttributes: true,
      isArray: (name) => name === 'labels',
    }).parse(readFileSync(file, 'utf8')) as {
      CustomLabels?: { labels?: Array<{ fullName: string }> };
    };
    for (const label of parsed.CustomLabels?.labels ?? []) names.add(String(label.fullName));
  }
  return names;
}

/** Every Apex class and trigger in force-app. */
export function listApexSources(): string[] {
  return listFiles(FORCE_APP, ['.cls', '.trigger']);
}

/** Every Lightning Web Component JavaScript module (tests excluded). */
export function listLwcModules(): string[] {
  return listFiles(join(DEFAULT_DIR, 'lwc'), ['.js']).filter((file) => !file.includes('__tests__'));
}

/** Apex source with comments removed (string literals kept). */
export function stripApexComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const two = source.slice(i, i + 2);
    if (source[i] === "'") {
      const start = i;
      i++;
      while (i < source.length && source[i] !== "'") i += source[i] === '\\' ? 2 : 1;
      i++;
      out += source.slice(start, i);
    } else if (two === '//') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (two === '/*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      out += ' ';
    } else {
      out += source[i];
      i++;
    }
  }
  return out;
}
