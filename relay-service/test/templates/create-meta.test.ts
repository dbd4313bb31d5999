import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  parseCreateMetaFieldsPage,
  parseCreateMetaIssueTypesPage,
  parseScreenFields,
} from '../../src/jira/endpoints/createmeta-answers';
import { resolveIssueType } from '../../src/templates/issue-type';
import { readFixture } from './template-fixtures';

// Atlassian's published Jira OpenAPI documents, cut down to what the relay uses.
const SPECS = resolve(__dirname, '../support/jira-specs');

/** Validators for one component schema of a published Jira OpenAPI document. */
function specValidator(file: string, schema: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true });
  addFormats(ajv);
  // OpenAPI integer formats; the integer type itself is what the check needs.
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  ajv.addSchema(JSON.parse(readFileSync(`${SPECS}/${file}`, 'utf8')), 'spec');
  const validate = ajv.getSchema(`spec#/components/schemas/${schema}`);
  if (!validate) throw new Error(`${schema} not found in ${file}`);
  return validate;
}

describe('create metadata fixtures', () => {
  it('when the Cloud fixture fields are checked against FieldCreateMetadata then every one conforms', () => {
    const validate = specValidator('jira-cloud-platform-v3.cut.json', 'FieldCreateMetadata');
    const page = readFixture('cloud-createmeta-fields.json') as { fields: unknown[] };
    for (const field of page.fields)
      expect({ field, ok: validate(field), errors: validate.errors }).toMatchObject({ ok: true });
    // The check has teeth: the Cloud schema refuses members it does not define.
    expect(validate({ ...(page.fields[0] as object), bogus: 1 })).toBe(false);
  });

  it('when the Cloud fixture page is checked against PageOfCreateMetaIssueTypeWithField then it conforms', () => {
    const validate = specValidator(
      'jira-cloud-platform-v3.cut.json',
      'PageOfCreateMetaIssueTypeWithField',
    );
    expect(validate(readFixture('cloud-createmeta-fields.json'))).toBe(true);
    const types = specValidator('jira-cloud-platform-v3.cut.json', 'PageOfCreateMetaIssueTypes');
    expect(types(readFixture('cloud-createmeta-issuetypes.json'))).toBe(true);
  });

  it('when the DC fixture values are checked against FieldMetaBean then every one conforms', () => {
    const validate = specValidator('jira-datacenter-10.3-v2.cut.json', 'FieldMetaBean');
    const page = readFixture('dc-createmeta-fields.json') as { values: unknown[] };
    for (const field of page.values)
      expect({ field, ok: validate(field), errors: validate.errors }).toMatchObject({ ok: true });
    const types = specValidator('jira-datacenter-10.3-v2.cut.json', 'CreateMetaIssueTypeBean');
    for (const type of (readFixture('dc-createmeta-issuetypes.json') as { values: unknown[] })
      .values) {
      expect(types(type)).toBe(true);
    }
  });
});

describe('create metadata parsing', () => {
  it('when Cloud answers fields[] then fields are normalised with their schema, flags and values', () => {
    const page = parseCreateMetaFieldsPage(readFixture('cloud-createmeta-fields.json'));
    expect(page.isLast).toBe(true);
    expect(page.items.find((f) => f.fieldId === 'priority')).toMatchObject({
      name: 'Priority',
      required: false,
      hasDefaultValue: true,
      schema: { type: 'priority', system: 'priority' },
      operations: ['set'],
    });
  });

  it('when DC answers values[] without key then the same fields come out', () => {
    const cloud = parseCreateMetaFieldsPage(readFixture('cloud-createmeta-fields.json')).items;
    const dc = parseCreateMetaFieldsPage(readFixture('dc-createmeta-fields.json')).items;
    expect(dc.map((f) => f.fieldId)).toEqual(
      cloud.map((f) => f.fieldId).filter((id) => id !== 'customfield_10070'),
    );
    expect(dc.find((f) => f.fieldId === 'customfield_10030')).toEqual(
      cloud.find((f) => f.fieldId === 'customfield_10030'),
    );
  });

  it('when Cloud answers results[] (the other member the spec names) then it is read too', () => {
    const page = parseCreateMetaFieldsPage({
      startAt: 0,
      maxResults: 1,
      total: 2,
      results: [
        {
          fieldId: 'summary',
          key: 'summary',
          name: 'Summary',
          required: true,
          operations: ['set'],
          schema: { type: 'string', system: 'summary' },
        },
      ],
    });
    expect(page).toMatchObject({ startAt: 0, total: 2, isLast: false });
    expect(page.items.map((f) => f.fieldId)).toEqual(['summary']);
  });

  it('when an allowed value is disabled then it is not offered', () => {
    const severity = parseCreateMetaFieldsPage(
      readFixture('cloud-createmeta-fields.json'),
    ).items.find((f) => f.fieldId === 'customfield_10030');
    expect(severity?.allowedValues?.map((v) => v.value)).toEqual(['Sev 1', 'Sev 2', 'Sev 3']);
  });

  it('when Jira answers an unknown shape then it fails loudly', () => {
    expect(() => parseCreateMetaFieldsPage({ projects: [] })).toThrow(
      expect.objectContaining({ code: 'JIRA_UNAVAILABLE', status: 502 }),
    );
  });

  it('when issue types come from Cloud or DC then the template names resolve by name or id', () => {
    const cloud = parseCreateMetaIssueTypesPage(
      readFixture('cloud-createmeta-issuetypes.json'),
    ).items;
    const dc = parseCreateMetaIssueTypesPage(readFixture('dc-createmeta-issuetypes.json')).items;
    expect(resolveIssueType(cloud, 'bug')?.id).toBe('10004');
    expect(resolveIssueType(dc, 'Bug')?.id).toBe('1');
    expect(resolveIssueType(dc, '3')?.name).toBe('Task');
    expect(resolveIssueType(cloud, 'Epic')).toBeUndefined();
  });

  it('when a transition screen lists its fields then they read like create metadata, keyed by id', () => {
    const [resolution, odd] = parseScreenFields({
      resolution: {
        key: 'resolution',
        name: 'Resolution',
        required: true,
        schema: { type: 'resolution', system: 'resolution' },
        operations: ['set'],
        allowedValues: [{ id: '1', name: 'Fixed' }],
      },
      // No schema: kept, so a mapping to it is reported and a required one still counts.
      customfield_10099: { name: 'Odd', required: true },
    });
    expect(resolution).toMatchObject({
      fieldId: 'resolution',
      required: true,
      schema: { type: 'resolution' },
      allowedValues: [{ id: '1', name: 'Fixed' }],
    });
    expect(odd).toMatchObject({
      fieldId: 'customfield_10099',
      required: true,
      schema: { type: 'unknown' },
    });
  });
});
