import {
  cleanLabels,
  DEFAULT_TEXT_LIMIT,
  shapeFields,
  shapeFieldValue,
  truncateWithMarker,
  TRUNCATION_MARKER,
  type ShapingOptions,
} from '../../src/templates/value-shaping';
import { adfViolations, cloudFields, dcFields, fieldMeta } from './template-fixtures';

const CLOUD: ShapingOptions = { deployment: 'cloud' };
const SERVER: ShapingOptions = { deployment: 'server' };
const cloud = cloudFields();
const dc = dcFields();

const shape = (
  fieldId: string,
  value: string,
  options = CLOUD,
  valueMap?: Record<string, string>,
) =>
  shapeFieldValue(
    fieldMeta(options.deployment === 'cloud' ? cloud : dc, fieldId),
    value,
    options,
    valueMap,
  );

describe.each([
  ['Cloud', CLOUD],
  ['DC', SERVER],
] as const)('value shaping on %s', (_name, options) => {
  it('when an option field gets an allowed value then it is sent as {value}', () => {
    expect(shape('customfield_10030', 'Sev 2', options)).toEqual({
      value: { value: 'Sev 2' },
      problems: [],
    });
  });

  it('when an option is named by its id then the canonical value is sent', () => {
    expect(shape('customfield_10030', '10301', options).value).toEqual({ value: 'Sev 2' });
  });

  it('when an option value is not allowed then the problem names the field and the allowed values', () => {
    expect(shape('customfield_10030', 'Sev 9', options)).toEqual({
      problems: [
        {
          field: 'customfield_10030',
          code: 'VALUE_NOT_ALLOWED',
          message:
            'Severity (customfield_10030): "Sev 9" is not an allowed value (allowed: Sev 1, Sev 2, Sev 3)',
        },
      ],
    });
  });

  it('when a disabled option is chosen then it is not allowed', () => {
    expect(shape('customfield_10030', 'Legacy', options).problems[0]?.code).toBe(
      'VALUE_NOT_ALLOWED',
    );
  });

  it('when a multi-select gets a Salesforce multi-picklist then each value becomes {value}, commas kept inside values', () => {
    expect(shape('customfield_10031', 'Web;Mobile, iOS', options).value).toEqual([
      { value: 'Web' },
      { value: 'Mobile, iOS' },
    ]);
  });

  it('when priority is named in another case then {name} carries Jira’s spelling', () => {
    expect(shape('priority', 'high', options).value).toEqual({ name: 'High' });
    expect(shape('priority', '1', options).value).toEqual({ name: 'Highest' });
    expect(shape('priority', 'Urgent', options).problems[0]).toMatchObject({
      field: 'priority',
      code: 'VALUE_NOT_ALLOWED',
    });
  });

  it('when components and versions are listed then each becomes {name}, unknown ones are problems', () => {
    expect(shape('components', 'checkout, Payments', options).value).toEqual([
      { name: 'Checkout' },
      { name: 'Payments' },
    ]);
    expect(shape('fixVersions', '2.4', options).value).toEqual([{ name: '2.4' }]);
    const shaped = shape('components', 'Checkout;Billing', options);
    expect(shaped.value).toEqual([{ name: 'Checkout' }]);
    expect(shaped.problems[0]?.message).toBe(
      'Components (components): "Billing" is not an allowed value (allowed: Checkout, Payments)',
    );
  });

  it('when labels hold spaces, commas and repeats then they are split and cleaned', () => {
    expect(shape('labels', ' urgent, customer facing;urgent\n vip ', options).value).toEqual([
      'urgent',
      'customer',
      'facing',
      'vip',
    ]);
  });

  it('when a number field gets numeric text then a number is sent', () => {
    expect(shape('customfield_10020', ' 3.5 ', options).value).toBe(3.5);
    expect(shape('customfield_10020', '-2', options).value).toBe(-2);
    expect(shape('customfield_10020', '1,234.5', options).value).toBe(1234.5);
    expect(shape('customfield_10020', '1e3', options).value).toBe(1000);
  });

  it('when a number field gets text that is not a number then it is a problem', () => {
    for (const bad of ['three', '1,5', '12abc', 'Infinity', '0x10']) {
      expect(shape('customfield_10020', bad, options).problems[0]).toMatchObject({
        field: 'customfield_10020',
        code: 'VALUE_INVALID',
      });
    }
  });

  it('when a date field gets an ISO date or datetime then YYYY-MM-DD is sent', () => {
    expect(shape('duedate', '2026-04-30', options).value).toBe('2026-04-30');
    expect(shape('duedate', '2026-04-30T23:00:00.000-0200', options).value).toBe('2026-05-01');
    expect(shape('duedate', '30/04/2026', options).problems[0]?.message).toBe(
      'Due date (duedate): "30/04/2026" is not an ISO date (YYYY-MM-DD)',
    );
  });

  it('when a datetime field gets ISO text then ISO with offset is sent', () => {
    expect(shape('customfield_10040', '2026-04-30T10:20:30Z', options).value).toBe(
      '2026-04-30T10:20:30.000+0000',
    );
    expect(shape('customfield_10040', '2026-04-30T10:20:30.123+02:00', options).value).toBe(
      '2026-04-30T08:20:30.123+0000',
    );
    expect(shape('customfield_10040', '2026-04-30', options).value).toBe(
      '2026-04-30T00:00:00.000+0000',
    );
    expect(shape('customfield_10040', 'tomorrow', options).problems[0]?.code).toBe('VALUE_INVALID');
  });

  it('when a single-line text field gets several lines then they are collapsed', () => {
    expect(shape('customfield_10051', ' 00001026\r\n  urgent ', options).value).toBe(
      '00001026 urgent',
    );
  });

  it('when a value is empty then nothing is sent and nothing is reported', () => {
    expect(shape('customfield_10020', '  ', options)).toEqual({ problems: [] });
  });

  it('when a value map translates the whole value then the mapped value is shaped', () => {
    expect(shape('priority', 'High', options, { High: 'Highest' }).value).toEqual({
      name: 'Highest',
    });
  });

  it('when a value map translates list items then each item is mapped once', () => {
    const map = { Web: 'Email', Email: 'Web' };
    expect(shape('customfield_10031', 'Web;Email', options, map).value).toEqual([
      { value: 'Email' },
      { value: 'Web' },
    ]);
  });
});

describe('value shaping differences between Cloud and DC', () => {
  it('when a user field is set on Cloud then {accountId} is sent', () => {
    expect(shape('assignee', '5b10ac8d82e05b22cc7d4ef5', CLOUD).value).toEqual({
      accountId: '5b10ac8d82e05b22cc7d4ef5',
    });
    expect(
      shape('customfield_10060', '712020:0e4b-11, 5b10ac8d82e05b22cc7d4ef5', CLOUD).value,
    ).toEqual([{ accountId: '712020:0e4b-11' }, { accountId: '5b10ac8d82e05b22cc7d4ef5' }]);
  });

  it('when a Cloud user field gets an email then it is a problem explaining account ids', () => {
    expect(shape('assignee', 'ada@acme.example', CLOUD).problems[0]?.message).toBe(
      'Assignee (assignee): "ada@acme.example" is not a Jira Cloud account id; Jira Cloud identifies users by account id, not by email or name',
    );
  });

  it('when a user field is set on DC then {name} is sent', () => {
    expect(shape('assignee', 'ada.lovelace', SERVER).value).toEqual({ name: 'ada.lovelace' });
  });

  it('when the description is shaped on Cloud then it is a valid ADF document', () => {
    const value = shape(
      'description',
      'Line one\nline two\n\nSee https://status.acme.example',
      CLOUD,
    ).value;
    expect(adfViolations(value)).toEqual([]);
    expect(value).toMatchObject({ type: 'doc', version: 1 });
  });

  it('when a multi-line custom field is shaped on Cloud then it is ADF too, and on DC escaped wiki', () => {
    expect(adfViolations(shape('customfield_10050', 'a *b*', CLOUD).value)).toEqual([]);
    expect(shape('customfield_10050', 'a *b*', SERVER).value).toBe('a \\*b\\*');
    expect(shape('environment', '{code}x{code}', SERVER).value).toBe('\\{code\\}x\\{code\\}');
  });

  it('when an issue type or project is shaped then it is sent by id', () => {
    expect(shape('issuetype', 'Bug', CLOUD).value).toEqual({ id: '10004' });
    expect(shape('issuetype', 'bug', SERVER).value).toEqual({ id: '1' });
    expect(shape('project', 'SUP', CLOUD).value).toEqual({ id: '10000' });
    expect(shape('project', 'OPS', CLOUD).problems[0]?.code).toBe('VALUE_NOT_ALLOWED');
  });

  it('when a Cloud-only field type is not supported then it is a problem naming the type', () => {
    expect(shape('customfield_10070', 'Team A', CLOUD).problems).toEqual([
      {
        field: 'customfield_10070',
        code: 'FIELD_TYPE_UNSUPPORTED',
        message: 'Team (customfield_10070): fields of type "team" cannot be set by a template',
      },
    ]);
  });
});

describe('text truncation', () => {
  it('when text exceeds 32,767 characters then it is cut to exactly the limit ending with the marker', () => {
    const shaped = shape('customfield_10051', 'x', CLOUD);
    expect(shaped.value).toBe('x');
    const long = 'a'.repeat(40_000);
    const plain = shapeFieldValue(
      {
        ...fieldMeta(cloud, 'customfield_10051'),
        schema: { type: 'string', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:url' },
      },
      long,
      CLOUD,
    ).value as string;
    expect(plain).toHaveLength(DEFAULT_TEXT_LIMIT);
    expect(plain.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('when text is exactly at the limit then it is untouched', () => {
    expect(truncateWithMarker('a'.repeat(DEFAULT_TEXT_LIMIT), DEFAULT_TEXT_LIMIT)).toBe(
      'a'.repeat(DEFAULT_TEXT_LIMIT),
    );
  });

  it('when a custom limit is configured then text is cut to it', () => {
    const value = shape('customfield_10050', 'b'.repeat(500), {
      deployment: 'server',
      fieldTextLimits: { customfield_10050: 100 },
    }).value as string;
    expect(value).toHaveLength(100);
    expect(value.endsWith('… \\[truncated by Pharos\\]')).toBe(true);
    const instanceWide = shape('description', 'c'.repeat(500), {
      deployment: 'cloud',
      textLimit: 200,
    }).value;
    const text = JSON.stringify(instanceWide);
    expect(text).toContain(`${'c'.repeat(200 - TRUNCATION_MARKER.length)}${TRUNCATION_MARKER}`);
  });

  it('when escaping makes wiki text longer than the limit then the escaped result still fits', () => {
    const value = shape('description', '*'.repeat(40_000), SERVER).value as string;
    expect(value.length).toBeLessThanOrEqual(DEFAULT_TEXT_LIMIT);
    expect(value.endsWith('\\[truncated by Pharos\\]')).toBe(true);
  });

  it('when the summary is too long then it is cut at 255 with the marker', () => {
    const value = shape('summary', 's'.repeat(300), CLOUD).value as string;
    expect(value).toHaveLength(255);
    expect(value.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('when the cut falls inside a surrogate pair then the pair is not split', () => {
    const cut = truncateWithMarker('😀'.repeat(20), 10, '…');
    expect(cut).toBe('😀😀😀😀…');
  });
});

describe('label cleaning', () => {
  it('when labels are cleaned then no label contains whitespace', () => {
    expect(cleanLabels('a b\tc\u00a0d,,e')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});

describe('shaping a set of fields against create metadata', () => {
  const base = [
    { fieldId: 'summary', value: 'Checkout down' },
    { fieldId: 'customfield_10030', value: 'Sev 1' },
  ];

  it('when every field is known and filled then the fields are shaped with no problem', () => {
    expect(
      shapeFields([...base, { fieldId: 'labels', value: 'a b' }], cloud, {
        ...CLOUD,
        alreadySet: ['project', 'issuetype'],
      }),
    ).toEqual({
      fields: {
        summary: 'Checkout down',
        customfield_10030: { value: 'Sev 1' },
        labels: ['a', 'b'],
      },
      problems: [],
    });
  });

  it('when a mapped field is not in create metadata then it is a problem, with a hint when the name matches', () => {
    const { fields, problems } = shapeFields(
      [
        ...base,
        { fieldId: 'Story points', value: '3' },
        { fieldId: 'customfield_99999', value: 'x' },
      ],
      dc,
      {
        ...SERVER,
        alreadySet: ['project', 'issuetype'],
      },
    );
    expect(fields).not.toHaveProperty('customfield_99999');
    expect(problems.map((p) => [p.field, p.code])).toEqual([
      ['Story points', 'FIELD_UNKNOWN'],
      ['customfield_99999', 'FIELD_UNKNOWN'],
    ]);
    expect(problems[0]?.message).toMatch(/did you mean customfield_10020 \(Story points\)\?$/);
  });

  it('when a required field without a Jira default is not mapped then it is a problem naming it', () => {
    const { problems } = shapeFields([{ fieldId: 'summary', value: 'x' }], cloud, {
      ...CLOUD,
      alreadySet: ['project', 'issuetype'],
    });
    expect(problems).toEqual([
      {
        field: 'customfield_10030',
        code: 'FIELD_REQUIRED',
        message:
          'Severity (customfield_10030): Jira requires this field on create, but the template does not map it',
      },
    ]);
  });

  it('when a required field renders empty then it is a problem; a required field with a Jira default is not', () => {
    const { problems } = shapeFields(
      [
        { fieldId: 'summary', value: 'x' },
        { fieldId: 'customfield_10030', value: ' ' },
      ],
      cloud,
      {
        ...CLOUD,
        alreadySet: ['project', 'issuetype'],
      },
    );
    expect(problems.map((p) => p.message)).toEqual([
      'Severity (customfield_10030): Jira requires a value, but the template rendered it empty for this record and sets no default',
    ]);
    // reporter is required but has a Jira default, so it is never reported.
    expect(problems.some((p) => p.field === 'reporter')).toBe(false);
  });

  it('when a required field has a value that is not allowed then only that problem is reported', () => {
    const { problems } = shapeFields(
      [
        { fieldId: 'summary', value: 'x' },
        { fieldId: 'customfield_10030', value: 'Sev 9' },
      ],
      dc,
      {
        ...SERVER,
        alreadySet: ['project', 'issuetype'],
      },
    );
    expect(problems.map((p) => p.code)).toEqual(['VALUE_NOT_ALLOWED']);
  });

  it('when Jira lists a field without set or add operations then it is not settable', () => {
    const readOnly = cloud.map((f) =>
      f.fieldId === 'duedate' ? { ...f, operations: ['remove'] } : f,
    );
    const { problems } = shapeFields(
      [...base, { fieldId: 'duedate', value: '2026-01-01' }],
      readOnly,
      { ...CLOUD, alreadySet: ['project', 'issuetype'] },
    );
    expect(problems).toEqual([
      expect.objectContaining({ field: 'duedate', code: 'FIELD_NOT_SETTABLE' }),
    ]);
  });
});
