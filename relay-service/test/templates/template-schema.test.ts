import { AppError } from '../../src/lib/errors';
import { parseRecord, parseTemplate } from '../../src/templates/template-schema';
import { record, templateInput, thrownBy } from './template-fixtures';

const templateError = (input: unknown) => thrownBy(AppError, () => parseTemplate(input));

describe('template schema', () => {
  it('when the contract example template is parsed then it is accepted with defaults filled', () => {
    const parsed = parseTemplate(
      templateInput({ fields: undefined, allowedTransitions: undefined }),
    );
    expect(parsed.fields).toEqual([]);
    expect(parsed.allowedTransitions).toEqual([]);
    expect(parsed.projectKey).toBe('SUP');
  });

  it('when a template is previewed before it is saved then a null id is accepted', () => {
    expect(parseTemplate(templateInput({ id: null })).id).toBeNull();
  });

  it('when the template holds an unknown key then it is refused naming the key', () => {
    const error = templateError({ ...templateInput(), allowComment: true });
    expect(error.code).toBe('TEMPLATE_INVALID');
    expect(error.detail).toMatch(/allowComment/);
  });

  it('when a field mapping holds an unknown key then it is refused', () => {
    const error = templateError(
      templateInput({ fields: [{ jiraField: 'labels', value: 'x', valeuMap: {} } as never] }),
    );
    expect(error.fieldErrors?.[0]?.field).toBe('template.fields.0');
    expect(error.detail).toMatch(/valeuMap/);
  });

  it('when the summary has a merge-field syntax error then the message names the position', () => {
    const error = templateError(templateInput({ summary: 'Case {{Subject | shout}}' }));
    expect(error.fieldErrors).toEqual([
      {
        field: 'template.summary',
        message:
          'Unknown filter "shout" (known: truncate, default, upper, lower, date) at character 18',
      },
    ]);
  });

  it('when a mapping value is unterminated then the field path of the error points at it', () => {
    const error = templateError(
      templateInput({ fields: [{ jiraField: 'labels', value: '{{Type' }] }),
    );
    expect(error.fieldErrors?.[0]).toEqual({
      field: 'template.fields.0.value',
      message: 'Unterminated merge field: "{{" without "}}" at character 1',
    });
  });

  it('when a default or a value map holds a merge field then it is refused as literal-only', () => {
    const error = templateError(
      templateInput({
        fields: [
          {
            jiraField: 'priority',
            value: '{{Priority}}',
            default: '{{Other}}',
            valueMap: { A: '{{B}}' },
          },
        ],
      }),
    );
    expect(error.fieldErrors?.map((e) => e.field).sort()).toEqual([
      'template.fields.0.default',
      'template.fields.0.valueMap.A',
    ]);
  });

  it('when summary, description, project or issue type are mapped as fields then the mapping is refused', () => {
    const error = templateError(
      templateInput({
        fields: ['summary', 'description', 'project', 'issuetype'].map((jiraField) => ({
          jiraField,
          value: 'x',
        })),
      }),
    );
    expect(error.fieldErrors).toHaveLength(4);
    expect(error.fieldErrors?.[2]?.message).toBe(
      '"project" is set by projectKey, not by a field mapping',
    );
  });

  it('when a Jira field is mapped twice then the second mapping is refused', () => {
    const error = templateError(
      templateInput({
        fields: [
          { jiraField: 'labels', value: 'a' },
          { jiraField: 'labels', value: 'b' },
        ],
      }),
    );
    expect(error.fieldErrors).toEqual([
      { field: 'template.fields.1.jiraField', message: '"labels" is mapped more than once' },
    ]);
  });

  it('when the project key could alter a Jira URL then it is refused', () => {
    expect(
      templateError(templateInput({ projectKey: 'SUP/../admin' })).fieldErrors?.[0]?.field,
    ).toBe('template.projectKey');
  });

  it('when the summary is blank then it is refused', () => {
    expect(templateError(templateInput({ summary: '  ' })).detail).toMatch(
      /summary must not be empty/,
    );
  });
});

describe('record schema', () => {
  it('when relationships are nested objects then the record is accepted', () => {
    const parsed = parseRecord(
      record({
        Subject: 'Down',
        Count: 3,
        Escalated: false,
        Account: { Name: 'Acme', Owner: { Email: null } },
      }),
    );
    expect(parsed.fields.Account).toEqual({ Name: 'Acme', Owner: { Email: null } });
  });

  it('when a field value is a list then the record is refused with VALIDATION_FAILED', () => {
    expect(() => parseRecord(record({ Tags: ['a', 'b'] as never }))).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('when the record URL is not http(s) then it is refused', () => {
    expect(() => parseRecord(record({}, { url: 'javascript:alert(1)' }))).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('when the record has an unknown member then it is refused', () => {
    expect(() => parseRecord({ ...record({}), extra: 1 })).toThrow(/extra/);
  });
});

describe('template attachments policy', () => {
  const policy = {
    extensions: ['pdf', 'png'],
    maxFileBytes: 10_485_760,
    maxTotalBytes: 26_214_400,
    maxFiles: 5,
  };
  const withPolicy = (attachments: unknown) =>
    templateInput({ attachments } as Record<string, unknown>);

  it('when the template has no policy or a null one then no files are allowed', () => {
    expect(parseTemplate(templateInput()).attachments).toBeNull();
    expect(parseTemplate(withPolicy(null)).attachments).toBeNull();
  });

  it('when the policy is within the contract then it is kept as sent', () => {
    expect(parseTemplate(withPolicy(policy)).attachments).toEqual(policy);
    const widest = {
      extensions: Array.from({ length: 50 }, (_, i) => `x${i}`),
      maxFileBytes: 2_147_483_647,
      maxTotalBytes: 2_147_483_647,
      maxFiles: 10,
    };
    expect(parseTemplate(withPolicy(widest)).attachments).toEqual(widest);
  });

  it.each([
    ['an unknown member', { ...policy, maxFileMB: 10 }, /maxFileMB/],
    ['no extension', { ...policy, extensions: [] }, /extensions/],
    [
      '51 extensions',
      { ...policy, extensions: Array.from({ length: 51 }, (_, i) => `x${i}`) },
      /extensions/,
    ],
    ['an upper-case extension', { ...policy, extensions: ['PDF'] }, /lower case/],
    ['an extension with its dot', { ...policy, extensions: ['.pdf'] }, /without the dot/],
    ['an extension of 17 characters', { ...policy, extensions: ['a'.repeat(17)] }, /extensions/],
    ['an extension twice', { ...policy, extensions: ['pdf', 'pdf'] }, /listed twice/],
    ['no bytes per file', { ...policy, maxFileBytes: 0 }, /maxFileBytes/],
    ['more than 2147483647 bytes', { ...policy, maxTotalBytes: 2_147_483_648 }, /maxTotalBytes/],
    ['a fraction of a byte', { ...policy, maxFileBytes: 1.5 }, /maxFileBytes/],
    ['eleven files', { ...policy, maxFiles: 11 }, /maxFiles/],
    ['no files', { ...policy, maxFiles: 0 }, /maxFiles/],
    ['a missing limit', { extensions: ['pdf'], maxFileBytes: 1, maxTotalBytes: 1 }, /maxFiles/],
  ])('when the policy has %s then the template is refused', (_what, attachments, detail) => {
    const error = templateError(withPolicy(attachments));
    expect(error.code).toBe('TEMPLATE_INVALID');
    expect(`${error.detail} ${JSON.stringify(error.fieldErrors)}`).toMatch(detail);
  });
});
