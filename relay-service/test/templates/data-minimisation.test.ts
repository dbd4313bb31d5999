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
});
