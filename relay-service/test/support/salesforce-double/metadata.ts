import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { REPO_ROOT } from '../processes';

export const OBJECTS_DIR = path.join(REPO_ROOT, 'force-app/main/default/objects');

export interface FieldDefinition {
  name: string;
  type: string;
  length?: number;
  precision?: number;
  scale?: number;
  externalId: boolean;
  unique: boolean;
  required: boolean;
  /** Picklist values (API names) and whether the set is restricted. */
  picklist?: { values: string[]; restricted: boolean };
  referenceTo?: string;
  label: string;
}

export interface ObjectDefinition {
  name: string;
  fields: Map<string, FieldDefinition>;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'value',
});

const asNumber = (value: unknown) => (value === undefined ? undefined : Number(value));
const asBoolean = (value: unknown) => value === 'true' || value === true;

/** Reads one `*.field-meta.xml` the way Salesforce's metadata API would. */
export function parseFieldFile(file: string): FieldDefinition {
  const xml = parser.parse(readFileSync(file, 'utf8')) as {
    CustomField?: Record<string, unknown>;
  };
  const field = xml.CustomField;
  if (!field || typeof field.fullName !== 'string' || typeof field.type !== 'string')
    throw new Error(`${file}: not a CustomField with fullName and type`);
  const valueSet = field.valueSet as
    | {
        restricted?: unknown;
        valueSetDefinition?: { value?: { fullName: string }[] };
      }
    | undefined;
  return {
    name: field.fullName,
    type: field.type,
    label: typeof field.label === 'string' ? field.label : field.fullName,
    length: asNumber(field.length),
    precision: asNumber(field.precision),
    scale: asNumber(field.scale),
    externalId: asBoolean(field.externalId),
    unique: asBoolean(field.unique),
    required: asBoolean(field.required),
    picklist: valueSet
      ? {
          values: (valueSet.valueSetDefinition?.value ?? []).map((v) => String(v.fullName)),
          restricted: asBoolean(valueSet.restricted),
        }
      : undefined,
    referenceTo: typeof field.referenceTo === 'string' ? field.referenceTo : undefined,
  };
}

/** Every custom object under force-app with the fields its metadata defines. */
export function loadObjectDefinitions(root = OBJECTS_DIR): Map<string, ObjectDefinition> {
  const objects = new Map<string, ObjectDefinition>();
  for (const name of readdirSync(root)) {
    const fieldsDir = path.join(root, name, 'fields');
    const fields = new Map<string, FieldDefinition>();
    if (existsSync(fieldsDir)) {
      for (const file of readdirSync(fieldsDir).filter((f) => f.endsWith('.field-meta.xml'))) {
        const field = parseFieldFile(path.join(fieldsDir, file));
        fields.set(field.name, field);
      }
    }
    objects.set(name, { name, fields });
  }
  return objects;
}

/** Whether an API name belongs to a package (custom object or field) rather than to Salesforce. */
export const isCustomName = (name: string) => /__(c|mdt|e|b|x)$/.test(name);

/**
 * The objects as an org that installed the package under `namespace` knows them: every custom
 * object, custom field and custom lookup target carries `<namespace>__`; standard names (User,
 * Name, …) do not. With no namespace the definitions are returned as they are.
 */
export function inNamespace(
  objects: Map<string, ObjectDefinition>,
  namespace: string | undefined,
): Map<string, ObjectDefinition> {
  if (!namespace) return objects;
  const prefixed = (name: string) => (isCustomName(name) ? `${namespace}__${name}` : name);
  const renamed = new Map<string, ObjectDefinition>();
  for (const object of objects.values()) {
    const fields = new Map<string, FieldDefinition>();
    for (const field of object.fields.values()) {
      const name = prefixed(field.name);
      fields.set(name, {
        ...field,
        name,
        referenceTo: field.referenceTo === undefined ? undefined : prefixed(field.referenceTo),
      });
    }
    const name = prefixed(object.name);
    renamed.set(name, { name, fields });
  }
  return renamed;
}
