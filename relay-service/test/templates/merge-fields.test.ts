import {
  MAX_FILTERS_PER_TAG,
  MergeFieldSyntaxError,
  countMergeFields,
  lookupRecordPath,
  parseMergeText,
  referencedPaths,
  renderMergeText,
  scanReferencedPaths,
  type MergeContext,
} from '../../src/templates/merge-fields';
import { NOW, ORG_ID, record, thrownBy } from './template-fixtures';

const context = (fields: MergeContext['record']['fields'] = {}): MergeContext => ({
  record: record(fields),
  user: { name: 'Ada Lovelace', email: 'ada@acme.example' },
  orgId: ORG_ID,
  now: NOW,
});

const render = (text: string, fields: MergeContext['record']['fields'] = {}) =>
  renderMergeText(text, context(fields));

const syntaxError = (text: string) => thrownBy(MergeFieldSyntaxError, () => parseMergeText(text));

describe('merge-field parsing', () => {
  it('when a text holds tags with filters then it parses into text and tags', () => {
    expect(parseMergeText('Hi {{ Account.Name | upper | truncate:10 }}!')).toEqual([
      { kind: 'text', text: 'Hi ' },
      {
        kind: 'tag',
        path: 'Account.Name',
        filters: [{ name: 'upper' }, { name: 'truncate', length: 10 }],
        start: 3,
        end: 43,
      },
      { kind: 'text', text: '!' },
    ]);
  });

  it('when a quoted argument holds escapes, pipes and braces then they are text', () => {
    const [tag] = parseMergeText('{{Priority | default:"a \\"b\\" | } \\\\"}}');
    expect(tag).toMatchObject({ filters: [{ name: 'default', text: 'a "b" | } \\' }] });
  });

  it.each([
    ['{{Subject', 'Unterminated merge field: "{{" without "}}"', 0],
    ['ok {{Subject | upper', 'Unterminated merge field: "{{" without "}}"', 3],
    ['{{}}', 'Merge field has no field path', 2],
    [
      '{{Subject | shout}}',
      'Unknown filter "shout" (known: truncate, default, upper, lower, date)',
      12,
    ],
    [
      '{{Subject | truncate}}',
      'Filter "truncate" needs a whole number of characters, e.g. truncate:2000',
      12,
    ],
    [
      '{{Subject | truncate:abc}}',
      'Filter "truncate" needs a whole number of characters, e.g. truncate:2000',
      21,
    ],
    ['{{Subject | truncate:0}}', 'Filter "truncate" needs a length from 1 to 1000000', 21],
    [
      '{{Subject | default:Medium}}',
      'Filter "default" needs a quoted text, e.g. default:"Medium"',
      20,
    ],
    ['{{Subject | upper:"x"}}', 'Filter "upper" takes no argument', 18],
    [
      '{{Subject | date}}',
      'Filter "date" needs a quoted format of at most 64 characters, e.g. date:"YYYY-MM-DD"',
      12,
    ],
    ['{{Subject | default:"open}}', 'Unterminated quoted text in merge field', 20],
    [
      '{{$Secret.Key}}',
      'Unknown built-in "$Secret.Key" (known: $Record.Id, $Record.Url, $User.Name, $User.Email, $Org.Id, $Now)',
      2,
    ],
    [
      '{{Account..Name}}',
      '"Account..Name" is not a field API name or relationship path such as Account.Name',
      2,
    ],
    ['{{Subject Description}}', 'Unexpected "D" in merge field; expected "|" or "}}"', 10],
    ['{{Subject | default:"{{Other}}"}}', '"{{" is not allowed inside a merge field', 21],
    ['{{ {{Subject}} }}', '"{{" is not allowed inside a merge field', 3],
    ['{{  ', 'Unterminated merge field: "{{" without "}}"', 0],
    ['{{Subject | }}', 'Expected a filter name after "|"', 12],
    ['x {{Subject |  ', 'Unterminated merge field: "{{" without "}}"', 2],
    ['{{Subject | truncate:}}', 'Expected a filter argument after ":"', 21],
    ['{{Subject | truncate: ', 'Unterminated merge field: "{{" without "}}"', 0],
    ['{{Subject | truncate:5', 'Unterminated merge field: "{{" without "}}"', 0],
    [
      '{{Subject | truncate:x5}}',
      'Filter "truncate" needs a whole number of characters, e.g. truncate:2000',
      21,
    ],
    [
      '{{Subject | truncate:5x}}',
      'Filter "truncate" needs a whole number of characters, e.g. truncate:2000',
      21,
    ],
    ['{{Subject | truncate:1000001}}', 'Filter "truncate" needs a length from 1 to 1000000', 21],
    ['{{Subject | default}}', 'Filter "default" needs a quoted text, e.g. default:"Medium"', 12],
    [
      '{{Subject | date:""}}',
      'Filter "date" needs a quoted format of at most 64 characters, e.g. date:"YYYY-MM-DD"',
      17,
    ],
    [
      `{{Subject | date:"${'Y'.repeat(65)}"}}`,
      'Filter "date" needs a quoted format of at most 64 characters, e.g. date:"YYYY-MM-DD"',
      17,
    ],
    [
      `{{Subject${' | upper'.repeat(MAX_FILTERS_PER_TAG)} | lower}}`,
      'A merge field takes at most 5 filters',
      10 + 8 * MAX_FILTERS_PER_TAG,
    ],
  ])('when the text is %j then it fails with a positioned message', (text, reason, position) => {
    const error = syntaxError(text);
    expect(error.reason).toBe(reason);
    expect(error.position).toBe(position);
    expect(error.message).toBe(`${reason} at character ${position + 1}`);
    expect(error.name).toBe('MergeFieldSyntaxError');
  });

  it('when filters and arguments sit at their bounds then they parse', () => {
    const tag = (text: string) => parseMergeText(text)[0];
    expect(tag('{{S | truncate:1}}')).toMatchObject({ filters: [{ name: 'truncate', length: 1 }] });
    expect(tag('{{S | truncate:1000000}}')).toMatchObject({
      filters: [{ name: 'truncate', length: 1_000_000 }],
    });
    expect(tag(`{{S | date:"${'Y'.repeat(64)}"}}`)).toMatchObject({
      filters: [{ name: 'date', format: 'Y'.repeat(64) }],
    });
    expect(tag(`{{S${' | upper'.repeat(MAX_FILTERS_PER_TAG)}}}`)).toMatchObject({
      filters: Array.from({ length: MAX_FILTERS_PER_TAG }, () => ({ name: 'upper' })),
    });
  });

  it('when a backslash in quoted text escapes neither a quote nor a backslash then it is kept', () => {
    expect(parseMergeText('{{S | default:"a\\nb\\x"}}')[0]).toMatchObject({
      filters: [{ name: 'default', text: 'a\\nb\\x' }],
    });
  });

  it('when "}}" or "{" appear outside tags then they are literal text', () => {
    expect(render('a }} b { c')).toEqual({ text: 'a }} b { c', problems: [] });
  });
});

describe('merge-field rendering', () => {
  it('when paths and relationship paths are present then their values are rendered', () => {
    expect(
      render('{{Subject}} for {{Account.Name}}', {
        Subject: 'Checkout down',
        Account: { Name: 'Acme' },
      }).text,
    ).toBe('Checkout down for Acme');
  });

  it('when built-ins are used then they come from the record, user, org and clock', () => {
    expect(
      render('{{$Record.Id}} {{$Record.Url}} {{$User.Name}} {{$User.Email}} {{$Org.Id}} {{$Now}}')
        .text,
    ).toBe(
      `5005g00000AbCdEFGH https://acme.my.salesforce.com/5005g00000AbCdEFGH Ada Lovelace ada@acme.example ${ORG_ID} 2026-03-04T05:06:07.000Z`,
    );
  });

  it('when there is no user (automation) then user built-ins render empty', () => {
    expect(renderMergeText('[{{$User.Name}}]', { ...context(), user: null }).text).toBe('[]');
  });

  it('when values are numbers, booleans or null then they render as text or empty', () => {
    expect(render('{{A}}|{{B}}|{{C}}|{{D.E}}', { A: 12.5, B: true, C: null, D: null }).text).toBe(
      '12.5|true||',
    );
  });

  it('when a value contains merge-field syntax then it is data, never re-rendered', () => {
    expect(render('{{Subject}}', { Subject: '{{$Org.Id}} {{Secret}}' }).text).toBe(
      '{{$Org.Id}} {{Secret}}',
    );
  });

  it('when truncate cuts a value then it keeps N characters ending with an ellipsis', () => {
    expect(render('{{S | truncate:5}}', { S: 'abcdefgh' }).text).toBe('abcd…');
    expect(render('{{S | truncate:5}}', { S: 'abcde' }).text).toBe('abcde');
    expect(render('{{S | truncate:3}}', { S: '😀😀😀😀' }).text).toBe('😀😀…');
  });

  it('when default meets an empty or blank value then the default is used', () => {
    expect(
      render('{{P | default:"Medium"}}/{{Q | default:"Medium"}}/{{R | default:"x"}}', {
        P: '',
        Q: null,
        R: 'High',
      }).text,
    ).toBe('Medium/Medium/High');
  });

  it('when upper and lower are chained then they apply left to right', () => {
    expect(render('{{S | upper}} {{S | lower}} {{S | lower | upper}}', { S: 'MiXeD' }).text).toBe(
      'MIXED mixed MIXED',
    );
  });

  it('when a filter chain has default after truncate then order is respected', () => {
    expect(render('{{S | truncate:2 | default:"none"}}', { S: '' }).text).toBe('none');
  });

  it('when date formats ISO dates and datetimes then tokens render in UTC', () => {
    const fields = {
      D: '2026-01-31',
      T: '2026-01-31T23:30:00.000+0000',
      O: '2026-01-31T23:30:00-02:00',
    };
    expect(
      render(
        '{{D | date:"DD/MM/YYYY"}} {{T | date:"YYYY-MM-DD HH:mm:ss"}} {{O | date:"YYYY-MM-DDTHH:mm"}}',
        fields,
      ).text,
    ).toBe('31/01/2026 2026-01-31 23:30:00 2026-02-01T01:30');
  });

  it('when date meets text that is not an ISO date then it renders empty and reports the path', () => {
    expect(render('{{D | date:"YYYY"}}', { D: '31/01/2026' })).toEqual({
      text: '',
      problems: [{ path: 'D', message: 'D is not an ISO date or datetime: "31/01/2026"' }],
    });
    expect(render('{{D | date:"YYYY"}}', { D: '2026-02-30' }).problems).toHaveLength(1);
  });

  it('when a relationship object is rendered as a value then it is a problem, not "[object Object]"', () => {
    expect(render('{{Account}}', { Account: { Name: 'Acme' } })).toEqual({
      text: '',
      problems: [
        {
          path: 'Account',
          message:
            'Account is a relationship, not a value; reference one of its fields, e.g. Account.Name',
        },
      ],
    });
  });
});

describe('referenced paths (the scan Apex mirrors)', () => {
  it('when a text is scanned then the first token of every tag is a path and built-ins are skipped', () => {
    expect(
      scanReferencedPaths(
        '{{ Subject|upper}} {{Account.Name | default:"x"}} {{$User.Name}} {{Subject}}',
      ),
    ).toEqual(['Subject', 'Account.Name']);
  });

  it('when a template is scanned then summary, description and mapping values count, defaults do not', () => {
    expect(
      referencedPaths({
        summary: '{{Subject}}',
        description: '{{Description}} {{Subject}}',
        fields: [
          { value: '{{Priority}}' },
          { value: 'static' },
          { value: '{{Owner.Email | lower}}' },
        ],
      }),
    ).toEqual(['Subject', 'Description', 'Priority', 'Owner.Email']);
  });

  it('when the scan and the parser read the same valid text then they agree on the paths', () => {
    const text = '{{A | default:"}} {{ B"}} x {{C.D|truncate:3}} {{$Now}}';
    expect(() => parseMergeText(text)).toThrow(MergeFieldSyntaxError);
    const valid = '{{A | default:"}} B"}} x {{C.D|truncate:3}} {{$Now}}';
    const parsed = parseMergeText(valid).flatMap((p) =>
      p.kind === 'tag' && !p.path.startsWith('$') ? [p.path] : [],
    );
    expect(scanReferencedPaths(valid)).toEqual(parsed);
  });
});

describe('merge-field rendering at its edges', () => {
  it('when the text is already parsed then it is rendered as parsed', () => {
    expect(renderMergeText(parseMergeText('[{{S | upper}}]'), context({ S: 'ok' })).text).toBe(
      '[OK]',
    );
  });

  it('when there is no user then the email built-in renders empty too', () => {
    expect(renderMergeText('[{{$User.Email}}]', { ...context(), user: null }).text).toBe('[]');
    expect(renderMergeText('[{{$User.Email}}]', { ...context(), user: { name: 'A' } }).text).toBe(
      '[]',
    );
  });

  it('when a field is missing, null or undefined then it renders empty without a problem', () => {
    const fields = { A: undefined, C: null } as unknown as MergeContext['record']['fields'];
    expect(render('<{{A}}|{{C}}|{{Missing}}|{{C.Name}}>', fields)).toEqual({
      text: '<|||>',
      problems: [],
    });
  });

  it('when default or date meet a blank value then the default is used and no date is reported', () => {
    expect(render('{{P | default:"Medium"}}', { P: '   ' }).text).toBe('Medium');
    expect(render('[{{D | date:"YYYY"}}][{{E | date:"YYYY"}}]', { D: '  ', E: '' })).toEqual({
      text: '[][]',
      problems: [],
    });
  });

  it('when a value holds U+FFFF then truncate counts it as one character', () => {
    expect(render('{{S | truncate:2}}', { S: '\uffff\uffff\uffff' }).text).toBe('\uffff…');
  });

  it('when the budget fits the merged values exactly then all render and it is used up', () => {
    const budget = { remaining: 5 };
    expect(renderMergeText('{{A}}-{{B}}', context({ A: 'abc', B: 'de' }), budget)).toEqual({
      text: 'abc-de',
      problems: [],
    });
    expect(budget.remaining).toBe(0);
  });

  it('when a merged value no longer fits the budget then rendering stops before it', () => {
    const budget = { remaining: 5 };
    expect(renderMergeText('{{A}}-{{B}}!', context({ A: 'abc', B: 'def' }), budget)).toEqual({
      text: 'abc-',
      problems: [],
      exhausted: true,
    });
    expect(budget.remaining).toBe(2);
  });
});

describe('record paths and merge-field counts', () => {
  it('when a path runs through a null relationship then it is found with the value null', () => {
    expect(lookupRecordPath({ Account: null }, 'Account.Owner.Name')).toEqual({
      found: true,
      value: null,
    });
  });

  it('when a path is missing or runs through a value then it is not found', () => {
    expect(lookupRecordPath({}, 'Missing')).toEqual({ found: false });
    expect(lookupRecordPath({ Account: {} }, 'Account.Name')).toEqual({ found: false });
    expect(lookupRecordPath({ Subject: 'abc' }, 'Subject.length')).toEqual({ found: false });
  });

  it('when a path is present then its value is found', () => {
    expect(lookupRecordPath({ Account: { Name: 'Acme' } }, 'Account.Name')).toEqual({
      found: true,
      value: 'Acme',
    });
  });

  it('when merge fields are counted then each "{{" counts once, from the first character on', () => {
    expect(countMergeFields('')).toBe(0);
    expect(countMergeFields('no tags { here }')).toBe(0);
    expect(countMergeFields('{{A}}')).toBe(1);
    expect(countMergeFields('{{A}} and {{B | default:"x"}}{{C}}')).toBe(3);
    expect(countMergeFields('{{{')).toBe(1);
  });
});
