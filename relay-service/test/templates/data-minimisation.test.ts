import { AppError } from '../../src/lib/errors';
import {
  assertDataMinimised,
  findDataMinimisationIssues,
  leafPaths,
} from '../../src/templates/data-minimisation';
import { record, template, thrownBy } from './template-fixtures';

const tpl = template({
  summary: '{{Subject}}',
  description: '{{Description}} — {{Account.Name}} {{$Record.Url}}',
  fields: [{ jiraField: 'priority', value: '{{Priority}}' }],
});

const refusal = (fields: Parameters<typeof record>[0]) =>
  thrownBy(AppError, () => assertDataMinimised(tpl, record(fields)));

describe('data minimisation', () => {
  it('when the record holds exactly the referenced fields then it passes', () => {
    expect(() =>
      assertDataMinimised(
        tpl,
        record({ Subject: 's', Description: 'd', Priority: 'High', Account: { Name: 'Acme' } }),
      ),
    ).not.toThrow();
  });

  it('when the template references fields the record lacks then TEMPLATE_DATA_MISSING lists all of them', () => {
    const error = refusal({ Subject: 's' });
    expect(error.code).toBe('TEMPLATE_DATA_MISSING');
    expect(error.extra).toEqual({ missing: ['Description', 'Account.Name', 'Priority'] });
    expect(error.fieldErrors?.map((e) => e.field)).toEqual([
      'record.fields.Description',
      'record.fields.Account.Name',
      'record.fields.Priority',
    ]);
  });

  it('when a relationship is present but lacks the referenced field then that path is missing', () => {
    expect(refusal({ Subject: 's', Description: 'd', Priority: 'p', Account: {} }).extra).toEqual({
      missing: ['Account.Name'],
    });
  });

  it('when the record holds fields the template does not reference then TEMPLATE_DATA_UNMAPPED lists the leaves', () => {
    const error = refusal({
      Subject: 's',
      Description: 'd',
      Priority: 'p',
      Account: { Name: 'Acme', AnnualRevenue: 5e6, Owner: { Email: 'o@acme.example' } },
      SSN__c: '123',
    });
    expect(error.code).toBe('TEMPLATE_DATA_UNMAPPED');
    expect(error.extra).toEqual({
      unmapped: ['Account.AnnualRevenue', 'Account.Owner.Email', 'SSN__c'],
    });
  });

  it('when a referenced value is null then it counts as present', () => {
    expect(() =>
      assertDataMinimised(
        tpl,
        record({ Subject: null, Description: null, Priority: null, Account: { Name: null } }),
      ),
    ).not.toThrow();
  });

  it('when a referenced relationship is null (empty lookup) then the paths below it count as present', () => {
    expect(
      findDataMinimisationIssues(
        tpl,
        record({ Subject: 's', Description: 'd', Priority: 'p', Account: null }),
      ),
    ).toEqual({
      missing: [],
      unmapped: [],
    });
  });

  it('when both missing and unmapped data exist then missing is reported first', () => {
    expect(refusal({ Subject: 's', Extra: 'x' }).code).toBe('TEMPLATE_DATA_MISSING');
    expect(findDataMinimisationIssues(tpl, record({ Subject: 's', Extra: 'x' })).unmapped).toEqual([
      'Extra',
    ]);
  });

  it('when only built-ins are referenced then no record field is expected', () => {
    const builtInsOnly = template({
      summary: '{{$Record.Id}}',
      description: '{{$User.Name}} {{$Now}}',
      fields: [],
    });
    expect(findDataMinimisationIssues(builtInsOnly, record({}))).toEqual({
      missing: [],
      unmapped: [],
    });
  });

  it('when the record is of another object than the template then it is refused', () => {
    expect(() => assertDataMinimised(tpl, record({}, { objectApiName: 'Account' }))).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        detail: 'The record is a Account but the template applies to Case',
      }),
    );
  });

  it.each([
    ['{{A.B.C}}', { A: { B: null } }, []],
    ['{{A.B.C.D.E.F}}', { A: { B: { C: { D: { E: null } } } } }, []],
    ['{{A.B.C.D.E.F.G}}', { A: { B: { C: { D: { E: null } } } } }, []],
    // Five relationships deep is as far as a record nests: a sixth is no relationship.
    ['{{A.B.C.D.E.F.G}}', { A: { B: { C: { D: { E: { F: null } } } } } }, ['A.B.C.D.E.F']],
  ] as const)(
    'when %s is referenced and the record holds %j then the unmapped paths are %j',
    (summary, fields, unmapped) => {
      const deep = template({ summary, description: '', fields: [] });
      expect(findDataMinimisationIssues(deep, record(fields))).toEqual({ missing: [], unmapped });
    },
  );

  it('when data is missing or unmapped then the refusal names each path for the caller', () => {
    const both = template({ summary: '{{Subject}} {{Account.Name}}', description: '', fields: [] });
    const missing = thrownBy(AppError, () => assertDataMinimised(both, record({ Subject: 's' })));
    expect(missing).toMatchObject({
      code: 'TEMPLATE_DATA_MISSING',
      detail:
        'The record data lacks fields the template references: Account.Name. Send every referenced field, with null for an empty one.',
      fieldErrors: [
        {
          field: 'record.fields.Account.Name',
          message: 'referenced by the template but not sent',
        },
      ],
    });
    const unmapped = thrownBy(AppError, () =>
      assertDataMinimised(both, record({ Subject: 's', Account: { Name: 'a' }, Phone: '1' })),
    );
    expect(unmapped).toMatchObject({
      code: 'TEMPLATE_DATA_UNMAPPED',
      detail:
        'The record data holds fields the template does not reference: Phone. Send only the referenced fields.',
      fieldErrors: [{ field: 'record.fields.Phone', message: 'not referenced by the template' }],
    });
    const other = thrownBy(AppError, () =>
      assertDataMinimised(both, record({}, { objectApiName: 'Account' })),
    );
    expect(other.fieldErrors).toEqual([
      { field: 'record.objectApiName', message: 'expected Case' },
    ]);
  });

  it('when a path names an Object prototype member then only an own record field satisfies it', () => {
    const proto = template({
      summary: '{{constructor}} {{toString}}',
      description: '',
      fields: [],
    });
    expect(findDataMinimisationIssues(proto, record({})).missing).toEqual([
      'constructor',
      'toString',
    ]);
  });

  it('when leaf paths are listed then empty objects contribute none and nulls do', () => {
    expect(leafPaths({ A: { B: {}, C: null }, D: 1 })).toEqual(['A.C', 'D']);
  });

  describe('field names that share a prefix are different fields', () => {
    const only = (summary: string) => template({ summary, description: '', fields: [] });

    it.each([
      // [what the template references, what the record holds, missing, unmapped]
      [
        '{{Email_Opt_Out__c}}',
        { Email_Opt_Out__c: false, Email: 'jane@globex.example' },
        [],
        ['Email'],
      ],
      [
        '{{Email}}',
        { Email: 'jane@globex.example', Email_Opt_Out__c: false },
        [],
        ['Email_Opt_Out__c'],
      ],
      ['{{Email_Opt_Out__c}}', { Email: 'jane@globex.example' }, ['Email_Opt_Out__c'], ['Email']],
      [
        '{{OwnerId}}',
        { OwnerId: '0055g00000AbCdEFGH', Owner: { Name: 'Sam' } },
        [],
        ['Owner.Name'],
      ],
      [
        '{{Owner.Name}}',
        { Owner: { Name: 'Sam' }, OwnerId: '0055g00000AbCdEFGH' },
        [],
        ['OwnerId'],
      ],
      ['{{Owner.Name}}', { OwnerId: '0055g00000AbCdEFGH' }, ['Owner.Name'], ['OwnerId']],
      ['{{Account.Name2}}', { Account: { Name2: 'a', Name: 'Acme' } }, [], ['Account.Name']],
      ['{{Account.Name}}', { Account: { Name: 'Acme', Name2: 'a' } }, [], ['Account.Name2']],
      ['{{Account.Name2}}', { Account: { Name: 'Acme' } }, ['Account.Name2'], ['Account.Name']],
      ['{{AccountId}}', { AccountId: '0015g00000AbCdEFGH', Account: null }, [], ['Account']],
      [
        '{{Account.Name}}',
        { Account: { Name: 'Acme' }, AccountNumber: '42' },
        [],
        ['AccountNumber'],
      ],
      [
        '{{Account.Owner.Email}}',
        {
          Account: { Owner: { Email: 'o@acme.example', EmailEncodingKey: 'UTF-8' }, OwnerId: 'x' },
        },
        [],
        ['Account.Owner.EmailEncodingKey', 'Account.OwnerId'],
      ],
      [
        '{{Account.Owner.Email}}',
        { Account: { Owner: { Email: 'o@acme.example' }, Owner__c: 'x' } },
        [],
        ['Account.Owner__c'],
      ],
      ['{{Account.Name}}', { Acc: { Name: 'Acme' }, Account: { Name: 'Acme' } }, [], ['Acc.Name']],
      ['{{Names__c}}', { Names__c: 'y', Names__: 'x' }, [], ['Names__']],
    ] as const)(
      'when the template references %s and the record holds %j then missing is %j and unmapped is %j',
      (summary, fields, missing, unmapped) => {
        expect(findDataMinimisationIssues(only(summary), record(fields))).toEqual({
          missing,
          unmapped,
        });
      },
    );

    it('when the record holds a field that only starts like a referenced one then the create is refused as unmapped', () => {
      const refused = thrownBy(AppError, () =>
        assertDataMinimised(
          only('{{Email_Opt_Out__c}} {{Account.Name2}} {{OwnerId}}'),
          record({
            Email_Opt_Out__c: false,
            Email: 'jane@globex.example',
            Account: { Name2: 'a', Name: 'Acme' },
            OwnerId: '0055g00000AbCdEFGH',
            Owner: { Email: 'sam@acme.example' },
          }),
        ),
      );
      expect(refused.code).toBe('TEMPLATE_DATA_UNMAPPED');
      expect(refused.extra).toEqual({ unmapped: ['Email', 'Account.Name', 'Owner.Email'] });
    });
  });
});
