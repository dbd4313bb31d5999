import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { REPO_ROOT } from '../paths';

const OBJECTS_DIR = path.join(REPO_ROOT, 'force-app/main/default/objects');

/** The values of a picklist field of a package object, with their labels, from its metadata. */
export function picklistValues(
  objectApiName: string,
  fieldApiName: string,
): { value: string; label: string }[] {
  const file = path.join(OBJECTS_DIR, objectApiName, 'fields', `${fieldApiName}.field-meta.xml`);
  const parsed = new XMLParser({ isArray: (name) => name === 'value', parseTagValue: false }).parse(
    readFileSync(file, 'utf8'),
  ) as {
    CustomField: {
      valueSet?: { valueSetDefinition?: { value?: { fullName: string; label?: string }[] } };
    };
  };
  return (parsed.CustomField.valueSet?.valueSetDefinition?.value ?? []).map((entry) => ({
    value: String(entry.fullName),
    label: String(entry.label ?? entry.fullName),
  }));
}
