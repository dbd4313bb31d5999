import { AppError, listForMessage } from '../lib/errors';
import { lookupRecordPath, referencedPaths, type TemplateTexts } from './merge-fields';
import type { RecordFields } from './record-fields';
import { MAX_RECORD_DEPTH } from './template-schema';

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
  const covering = coveringPaths(referenced);
  const unmapped = leafPaths(record.fields).filter((leaf) => !covering.has(leaf));
  return { missing, unmapped };
}

/**
 * The leaf paths record data may hold: every referenced path, and every relationship on the
 * way to one (a null relationship, an empty lookup, is such a leaf: `{"Account": null}` for
 * `{{Account.Name}}` reveals nothing). Relationships deeper than a record can nest are left
 * out, so a path with thousands of segments costs no more than its length.
 */
function coveringPaths(referenced: readonly string[]): Set<string> {
  const covering = new Set<string>(referenced);
  for (const path of referenced) {
    let dot = path.indexOf('.');
    for (let level = 1; dot >= 0 && level < MAX_RECORD_DEPTH; level += 1) {
      covering.add(path.slice(0, dot));
      dot = path.indexOf('.', dot + 1);
    }
  }
  return covering;
}

/** Paths to every non-object value, in document order; `{}` holds no data and so has no leaf. */
export function leafPaths(fields: RecordFields): string[] {
  const leaves: string[] = [];
  // A walk with an explicit stack: a record of any shape costs no recursion and no spreading.
  const stack = [{ prefix: '', entries: Object.entries(fields), next: 0 }];
  for (let top = stack[0]; top; top = stack[stack.length - 1]) {
    const entry = top.entries[top.next];
    if (!entry) {
      stack.pop();
      continue;
    }
    top.next += 1;
    const [key, value] = entry;
    const path = top.prefix ? `${top.prefix}.${key}` : key;
    if (value !== null && typeof value === 'object')
      stack.push({ prefix: path, entries: Object.entries(value), next: 0 });
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
      `The record data lacks fields the template references: ${listForMessage(missing)}. Send every referenced field, with null for an empty one.`,
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
      `The record data holds fields the template does not reference: ${listForMessage(unmapped)}. Send only the referenced fields.`,
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
