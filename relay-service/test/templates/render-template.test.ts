import { AppError } from '../../src/lib/errors';
import {
  assertNoProblems,
  renderIssuePayload,
  type RenderIssueInput,
} from '../../src/templates/render-template';
import type { RecordData } from '../../src/templates/template-schema';
import {
  adfViolations,
  cloudFields,
  dcFields,
  NOW,
  ORG_ID,
  record,
  RECORD_ID,
  template,
} from './template-fixtures';

const caseFields = (): RecordData['fields'] => ({
  Subject: 'Checkout fails\nfor EU customers',
  Description: 'Customer reports *checkout* fails.\n\nSee https://status.acme.example',
  Priority: 'High',
  Account: { Name: 'Acme GmbH' },
});

function input(overrides: Partial<RenderIssueInput> = {}): RenderIssueInput {
  const deployment = overrides.deployment ?? 'cloud';
  return {
    template: template(),
    record: record(caseFields()),
    user: { name: 'Ada Lovelace', email: 'ada@acme.example' },
    orgId: ORG_ID,
    now: NOW,
    deployment,
    createMeta:
      deployment === 'cloud'
        ? { issueTypeId: '10004', fields: cloudFields() }
        : { issueTypeId: '1', fields: dcFields() },
    ...overrides,
  };
}

describe('rendering the Jira create payload', () => {
  it('when a Cloud template renders then the payload has project, issue type id, single-line summary, ADF description and shaped fields', () => {
    const rendered = renderIssuePayload(input());
    expect(rendered.problems).toEqual([]);
    expect(rendered.fieldsSent).toEqual([
      'project',
      'issuetype',
      'summary',
      'description',
      'priority',
      'customfield_10030',
    ]);
    const { fields } = rendered.payload;
    expect(fields.project).toEqual({ key: 'SUP' });
    expect(fields.issuetype).toEqual({ id: '10004' });
    expect(fields.summary).toBe('Checkout fails for EU customers');
    expect(fields.priority).toEqual({ name: 'Highest' });
    expect(fields.customfield_10030).toEqual({ value: 'Sev 3' });
    expect(adfViolations(fields.description)).toEqual([]);
    expect(fields.description).toEqual({
      version: 1,
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [{ type: 'text', text: 'Customer reports *checkout* fails.' }],
        },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'See ' },
            {
              type: 'text',
              text: 'https://status.acme.example',
              marks: [{ type: 'link', attrs: { href: 'https://status.acme.example' } }],
            },
          ],
        },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: 'Account: Acme GmbH' },
            { type: 'hardBreak' },
            { type: 'text', text: 'Record: ' },
            {
              type: 'text',
              text: `https://acme.my.salesforce.com/${RECORD_ID}`,
              marks: [
                { type: 'link', attrs: { href: `https://acme.my.salesforce.com/${RECORD_ID}` } },
              ],
            },
          ],
        },
      ],
    });
  });

  it('when a DC template renders then the description is escaped wiki markup and the issue type id is DC’s', () => {
    const rendered = renderIssuePayload(input({ deployment: 'server' }));
    expect(rendered.problems).toEqual([]);
    expect(rendered.payload.fields.issuetype).toEqual({ id: '1' });
    expect(rendered.payload.fields.description).toBe(
      `Customer reports \\*checkout\\* fails.\n\nSee https://status.acme.example\n\nAccount: Acme GmbH\nRecord: https://acme.my.salesforce.com/${RECORD_ID}`,
    );
  });

  it('when the same input is rendered twice (preview, then create) then the payloads are identical', () => {
    expect(renderIssuePayload(input())).toEqual(renderIssuePayload(input()));
  });

  it('when the summary is longer than 255 characters then it is cut with the marker', () => {
    const summary = renderIssuePayload(
      input({ record: record({ ...caseFields(), Subject: 'x'.repeat(400) }) }),
    ).payload.fields.summary;
    expect(summary).toHaveLength(255);
    expect(String(summary).endsWith('… [truncated by Pharos]')).toBe(true);
  });

  it('when the mapped value is empty then the default is used; the value map applies before shaping', () => {
    const rendered = renderIssuePayload(
      input({ record: record({ ...caseFields(), Priority: null }) }),
    );
    expect(rendered.payload.fields.priority).toEqual({ name: 'Medium' });
    const mapped = renderIssuePayload(
      input({ record: record({ ...caseFields(), Priority: 'High' }) }),
    );
    expect(mapped.payload.fields.priority).toEqual({ name: 'Highest' });
  });

  it('when the description is empty then it is not sent', () => {
    const rendered = renderIssuePayload(
      input({
        template: template({ description: '' }),
        record: record({ Subject: 's', Priority: 'Low' }),
      }),
    );
    expect(rendered.fieldsSent).not.toContain('description');
    expect(rendered.problems).toEqual([]);
  });

  it('when the template references a field the record lacks then TEMPLATE_DATA_MISSING is thrown and nothing is rendered', () => {
    const fields = caseFields();
    delete fields.Description;
    expect(() => renderIssuePayload(input({ record: record(fields) }))).toThrow(
      expect.objectContaining({
        code: 'TEMPLATE_DATA_MISSING',
        extra: { missing: ['Description'] },
      }),
    );
  });

  it('when the record carries data the template does not reference then TEMPLATE_DATA_UNMAPPED is thrown', () => {
    expect(() =>
      renderIssuePayload(
        input({ record: record({ ...caseFields(), Account: { Name: 'A', Phone: '555' } }) }),
      ),
    ).toThrow(
      expect.objectContaining({
        code: 'TEMPLATE_DATA_UNMAPPED',
        extra: { unmapped: ['Account.Phone'] },
      }),
    );
  });

  it('when a required Jira field is missing from the template then preview lists it and create refuses', () => {
    const tpl = template({ fields: [{ jiraField: 'priority', value: '{{Priority}}' }] });
    const rendered = renderIssuePayload(input({ template: tpl, record: record(caseFields()) }));
    expect(rendered.problems).toEqual([
      expect.objectContaining({ field: 'customfield_10030', code: 'FIELD_REQUIRED' }),
    ]);
    expect(() => assertNoProblems(rendered)).toThrow(
      expect.objectContaining({
        code: 'TEMPLATE_INVALID',
        fieldErrors: [
          {
            field: 'customfield_10030',
            message: expect.stringContaining('Severity (customfield_10030)'),
          },
        ],
      }),
    );
  });

  it('when a value is not in allowedValues then preview still shows the rest of the payload and the problem', () => {
    const tpl = template({
      fields: [
        { jiraField: 'priority', value: '{{Priority}}' },
        { jiraField: 'customfield_10030', value: 'Sev 1' },
      ],
    });
    const rendered = renderIssuePayload(
      input({
        template: tpl,
        record: record({ ...caseFields(), Priority: 'Blocker' }),
        deployment: 'server',
      }),
    );
    expect(rendered.payload.fields).not.toHaveProperty('priority');
    expect(rendered.payload.fields.customfield_10030).toEqual({ value: 'Sev 1' });
    expect(rendered.problems).toEqual([
      {
        field: 'priority',
        code: 'VALUE_NOT_ALLOWED',
        message:
          'Priority (priority): "Blocker" is not an allowed value (allowed: Highest, High, Medium, Low, Lowest)',
      },
    ]);
  });

  it('when several things are wrong then every problem is listed at once', () => {
    const tpl = template({
      summary: '{{Subject}}',
      description: '',
      fields: [
        { jiraField: 'customfield_10020', value: '{{Points__c}}' },
        { jiraField: 'duedate', value: '{{Due__c | date:"YYYY-MM-DD"}}' },
        { jiraField: 'customfield_12345', value: 'x' },
        { jiraField: 'labels', value: '{{Type}}, salesforce' },
      ],
    });
    const rendered = renderIssuePayload(
      input({
        template: tpl,
        record: record({
          Subject: 's',
          Points__c: 'lots',
          Due__c: 'next week',
          Type: 'Billing Issue',
        }),
      }),
    );
    expect(rendered.problems.map((p) => [p.field, p.code])).toEqual([
      ['duedate', 'VALUE_INVALID'],
      ['customfield_10020', 'VALUE_INVALID'],
      ['customfield_12345', 'FIELD_UNKNOWN'],
      ['customfield_10030', 'FIELD_REQUIRED'],
    ]);
    expect(rendered.problems[0]?.message).toBe(
      'duedate: Due__c is not an ISO date or datetime: "next week"',
    );
    expect(rendered.payload.fields.labels).toEqual(['Billing', 'Issue', 'salesforce']);
  });

  it('when a template maps numbers, dates and users then each is shaped by its field schema', () => {
    const tpl = template({
      summary: 'Case {{CaseNumber}}',
      description: '',
      fields: [
        {
          jiraField: 'customfield_10030',
          value: '{{Severity__c}}',
          valueMap: { Critical: 'Sev 1' },
        },
        { jiraField: 'customfield_10020', value: '{{Points__c}}' },
        { jiraField: 'customfield_10040', value: '{{CreatedDate}}' },
        { jiraField: 'assignee', value: '{{Owner.Jira_Username__c}}' },
      ],
    });
    const fields = {
      CaseNumber: '00001026',
      Severity__c: 'Critical',
      Points__c: 5,
      CreatedDate: '2026-03-01T08:00:00.000+0000',
      Owner: { Jira_Username__c: 'ada' },
    };
    const onDc = renderIssuePayload(
      input({ template: tpl, record: record(fields), deployment: 'server' }),
    );
    expect(onDc.problems).toEqual([]);
    expect(onDc.payload.fields).toMatchObject({
      summary: 'Case 00001026',
      customfield_10030: { value: 'Sev 1' },
      customfield_10020: 5,
      customfield_10040: '2026-03-01T08:00:00.000+0000',
      assignee: { name: 'ada' },
    });
    const onCloud = renderIssuePayload(
      input({
        template: tpl,
        record: record({ ...fields, Owner: { Jira_Username__c: '5b10ac8d82e05b22cc7d4ef5' } }),
      }),
    );
    expect(onCloud.payload.fields.assignee).toEqual({ accountId: '5b10ac8d82e05b22cc7d4ef5' });
  });

  it('when a description exceeds 32,767 characters then it is truncated with the marker on both deployments', () => {
    const long = record({ ...caseFields(), Description: 'd'.repeat(40_000) });
    const wiki = String(
      renderIssuePayload(input({ record: long, deployment: 'server' })).payload.fields.description,
    );
    expect(wiki.length).toBeLessThanOrEqual(32_767);
    expect(wiki.endsWith('… \\[truncated by Pharos\\]')).toBe(true);
    const adf = renderIssuePayload(input({ record: long })).payload.fields.description;
    expect(adfViolations(adf)).toEqual([]);
    expect(JSON.stringify(adf)).toContain('… [truncated by Pharos]');
  });

  it('when nothing is wrong then assertNoProblems lets create go ahead', () => {
    expect(() => assertNoProblems(renderIssuePayload(input()))).not.toThrow();
  });

  it('when create is refused then the error carries every problem for the caller', () => {
    const withoutPriority = caseFields();
    delete withoutPriority.Priority;
    const rendered = renderIssuePayload(
      input({ template: template({ fields: [] }), record: record(withoutPriority) }),
    );
    expect(rendered.problems).toHaveLength(1);
    try {
      assertNoProblems(rendered);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).extra).toEqual({ problems: rendered.problems });
    }
  });
});
