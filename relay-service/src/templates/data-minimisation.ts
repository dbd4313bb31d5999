import { AppError } from '../lib/errors';
import { lookupRecordPath, referencedPaths, type TemplateTexts } from './merge-fields';
import type { RecordFields } from './template-schema';

/**
 * Data minimisation is checked, not assumed: the record data Apex sends must hold every field
 * the template references and nothing else, so a template is an exact statement of which
 * Salesforce data may leave the org.
 */

export interface DataMinimisationFindings {
  /** Referenced paths the record data lacks. */
  missing: string[];
  /** Leaf paths in the record data that the template does not reference. */
  unmapped: string[];
}

export function findDataMinimisationIssues(
  template: TemplateTexts,
  record: { fields: RecordFields },
): DataMinimisationFindings {
  const referenced = referencedPaths(template);
  const missing = referenced.filter((path) => !lookupRecordPath(record.fields, path).found);
  const unmapped = leafPaths(record.fields).filter((leaf) => !isCoveredBy(leaf, referenced));
  return { missing, unmapped };
}

/**
 * A leaf is covered when it is referenced, or when it is a null relationship (an empty lookup)
 * on the way to a referenced path: `{"Account": null}` for `{{Account.Name}}` reveals nothing.
 */
function isCoveredBy(leaf: string, referenced: readonly string[]): boolean {
  return referenced.some((path) => path === leaf || path.startsWith(`${leaf}.`));
}

/** Paths to every non-object value; `{}` holds no data and so contributes no leaf. */
export function leafPaths(fields: RecordFields, prefix = ''): string[] {
  const leaves: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === 'object') leaves.push(...leafPaths(value, path));
    else leaves.push(path);
  }
  return leaves;
}

/**
 * Throws TEMPLATE_DATA_MISSING (all missing paths in `extra.missing`) or TEMPLATE_DATA_UNMAPPED
 * (all unreferenced leaf paths in `extra.unmapped`); missing data is reported first because
 * the template cannot be rendered without it.
 */
export function assertDataMinimised(
  template: TemplateTexts & { objectApiName: string },
  record: { objectApiName: string; fields: RecordFields },
): void {
  if (record.objectApiName !== template.objectApiName) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The record is a ${record.objectApiName} but the template applies to ${template.objectApiName}`,
      {
        fieldErrors: [
          {
            field: 'record.objectApiName',
            message: `expected ${template.objectApiName}`,
          },
        ],
      },
    );
  }
  const { missing, unmapped } = findDataMinimisationIssues(template, record);
  if (missing.length > 0) {
    throw new AppError(
      'TEMPLATE_DATA_MISSING',
      `The record data lacks fields the template references: ${missing.join(', ')}. Send every referenced field, with null for an empty one.`,
      {
        extra: { missing },
        fieldErrors: missing.map((path) => ({
          field: `record.fields.${path}`,
          message: 'referenced by the template but not sent',
        })),
      },
    );
  }
  if (unmapped.length > 0) {
    throw new AppError(
      'TEMPLATE_DATA_UNMAPPED',
      `The record data holds fields the template does not reference: ${unmapped.join(', ')}. Send only the referenced fields.`,
      {
        extra: { unmapped },
        fieldErrors: unmapped.map((path) => ({
          field: `record.fields.${path}`,
          message: 'not referenced by the template',
        })),
      },
    );
  }
}
