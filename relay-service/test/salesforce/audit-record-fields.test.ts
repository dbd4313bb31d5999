import path from 'node:path';
import {
  AUDIT_EXTERNAL_ID_FIELD,
  AUDIT_FIELDS,
  AUDIT_OBJECT,
  AUDIT_OPERATIONS,
  AUDIT_OUTCOMES,
  toAuditRecord,
} from '../../src/salesforce/audit-record';
import { auditEvent } from '../support/audit-events';
import {
  OBJECTS_DIR,
  loadObjectDefinitions,
  type FieldDefinition,
} from '../support/salesforce-double';

/**
 * The relay writes Jira_Audit_Event__c from outside the org: a field it names that the package
 * does not define, or a value longer than the field, fails only in a customer's org. This
 * checks the mapper against the field files in force-app.
 */
describe('audit record fields against the Jira_Audit_Event__c metadata', () => {
  const object = loadObjectDefinitions(OBJECTS_DIR).get(AUDIT_OBJECT);
  const fields = object?.fields ?? new Map<string, FieldDefinition>();
  const field = (name: string) => {
    const definition = fields.get(name);
    if (!definition)
      throw new Error(
        `${name} is written by the relay but not defined in ${path.join(OBJECTS_DIR, AUDIT_OBJECT, 'fields')}`,
      );
    return definition;
  };

  it('when the object folder is read then it exists with field files', () => {
    expect(object).toBeDefined();
    expect(fields.size).toBeGreaterThan(0);
  });

  it('when the mapper writes a record then every field name is defined in force-app', () => {
    const written = Object.keys(toAuditRecord(auditEvent('x')));
    const undefinedNames = written.filter((name) => !fields.has(name));
    expect(undefinedNames).toEqual([]);
    expect(written.sort()).toEqual(AUDIT_FIELDS.map((f) => f.name).sort());
  });

  it('when the external id is checked then it is an external, unique text field', () => {
    expect(field(AUDIT_EXTERNAL_ID_FIELD)).toMatchObject({
      externalId: true,
      unique: true,
      type: 'Text',
    });
  });

  it.each(AUDIT_FIELDS.map((spec) => [spec.name, spec] as const))(
    'when %s is compared then its type and size fit what the mapper writes',
    (_name, spec) => {
      const definition = field(spec.name);
      switch (spec.kind) {
        case 'text':
          expect(definition.type).toBe('Text');
          expect(definition.length).toBeGreaterThanOrEqual(spec.maxLength);
          break;
        case 'longText':
          expect(definition.type).toBe('LongTextArea');
          expect(definition.length).toBeGreaterThanOrEqual(spec.maxLength);
          break;
        case 'picklist':
          expect(definition.type).toBe('Picklist');
          expect([...(definition.picklist?.values ?? [])].sort()).toEqual([...spec.values].sort());
          break;
        case 'number':
          expect(definition.type).toBe('Number');
          expect((definition.precision ?? 0) - (definition.scale ?? 0)).toBeGreaterThanOrEqual(
            spec.maxDigits,
          );
          expect(definition.scale ?? 0).toBe(0);
          break;
        case 'lookup':
          expect(definition.type).toBe('Lookup');
          expect(definition.referenceTo).toBe(spec.referenceTo);
          break;
        case 'dateTime':
          expect(definition.type).toBe('DateTime');
          break;
      }
    },
  );

  it('when the picklists are compared then they hold every operation and outcome the relay has', () => {
    expect(field('Operation__c').picklist?.values).toEqual(
      expect.arrayContaining([...AUDIT_OPERATIONS]),
    );
    expect(field('Outcome__c').picklist?.values).toEqual(
      expect.arrayContaining([...AUDIT_OUTCOMES]),
    );
  });

  it('when an event says whose Jira account acted then Identity__c carries it, and is empty when none was chosen', () => {
    expect(toAuditRecord(auditEvent('as-user', { identity: 'user' })).Identity__c).toBe('user');
    expect(toAuditRecord(auditEvent('as-service', { identity: 'service' })).Identity__c).toBe(
      'service',
    );
    expect(toAuditRecord(auditEvent('before-any')).Identity__c).toBeNull();
  });

  it('when values run long then the mapper cuts them to the declared size', () => {
    const record = toAuditRecord(
      auditEvent('long', {
        errorMessage: 'é'.repeat(1_000),
        errorCode: 'X'.repeat(100),
        fieldsSent: Array.from({ length: 5_000 }, (_, i) => `customfield_${10_000 + i}`),
        jiraStatus: 1_000,
        durationMs: 5_000_000_000,
      }),
    );
    for (const spec of AUDIT_FIELDS) {
      const value = record[spec.name];
      if (typeof value === 'string' && 'maxLength' in spec)
        expect(Array.from(value).length).toBeLessThanOrEqual(spec.maxLength);
      if (typeof value === 'number' && spec.kind === 'number')
        expect(Math.abs(value)).toBeLessThan(10 ** spec.maxDigits);
    }
    expect(record.Error_Message__c).toHaveLength(255);
    expect(record.Jira_Status__c).toBeNull();
    expect(record.Duration_Ms__c).toBe(999_999_999);
  });
});
