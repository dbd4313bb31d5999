import { AppError, PROBLEM_LIST_LIMIT, toProblem } from '../../src/lib/errors';
import { plainTextToAdfParagraphs } from '../../src/templates/adf';
import { renderCommentBody } from '../../src/templates/comment-body';
import { findDataMinimisationIssues, leafPaths } from '../../src/templates/data-minimisation';
import {
  MAX_FILTERS_PER_TAG,
  MAX_MERGE_FIELDS,
  MAX_MERGED_CHARACTERS,
  MergeFieldSyntaxError,
  parseMergeText,
  referencedPaths,
  renderMergeText,
} from '../../src/templates/merge-fields';
import { assertNoProblems, renderIssuePayload } from '../../src/templates/render-template';
import {
  MAX_RECORD_FIELDS,
  MAX_VALUE_MAP_ENTRIES,
  parseRecord,
  parseTemplate,
} from '../../src/templates/template-schema';
import type { RecordFields } from '../../src/templates/record-fields';
import { normaliseText, tokeniseUrls } from '../../src/templates/text-normalisation';
import {
  MAX_PROBLEMS_PER_FIELD,
  cleanLabels,
  shapeFieldValue,
} from '../../src/templates/value-shaping';
import { plainTextToWiki, plainTextToWikiWithin } from '../../src/templates/wiki';
import {
  NOW,
  ORG_ID,
  cloudFields,
  fieldMeta,
  record,
  template,
  templateInput,
  thrownBy,
} from './template-fixtures';

/**
 * The documented limits on what one template and one record may hold, and the guarantee behind
 * them: however the input is shaped, the work done for it grows with its size, and what the
 * relay answers about it stays small.
 */

const fieldsNamed = (count: number, prefix = 'F'): RecordFields =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, 'x']));

const tags = (count: number, path = (i: number) => `F${i}`) =>
  Array.from({ length: count }, (_, i) => `{{${path(i)}}}`).join(' ');

describe('merge fields per template', () => {
  it(`when a template holds ${MAX_MERGE_FIELDS} merge fields then it is accepted`, () => {
    // The fixture's summary and priority mapping hold one merge field each.
    const parsed = parseTemplate(templateInput({ description: tags(MAX_MERGE_FIELDS - 2) }));
    expect(referencedPaths(parsed)).toHaveLength(MAX_MERGE_FIELDS);
  });

  it('when a template holds more merge fields, counted over all its texts, then TEMPLATE_INVALID names the limit', () => {
    const error = thrownBy(AppError, () =>
      parseTemplate(
        templateInput({
          description: tags(MAX_MERGE_FIELDS - 3),
          fields: [
            { jiraField: 'labels', value: '{{A}} {{B}}' },
            { jiraField: 'customfield_10050', value: '{{C}}' },
          ],
        }),
      ),
    );
    expect(error.code).toBe('TEMPLATE_INVALID');
    expect(error.detail).toContain(`at most ${MAX_MERGE_FIELDS}`);
  });

  it('when tens of thousands of distinct merge fields are sent then the template is refused', () => {
    const error = thrownBy(AppError, () =>
      parseTemplate(templateInput({ description: tags(25_000) })),
    );
    expect(error.code).toBe('TEMPLATE_INVALID');
  });

  it(`when a merge field chains more than ${MAX_FILTERS_PER_TAG} filters then it is a syntax error`, () => {
    const chain = (n: number) => `{{Subject${' | upper'.repeat(n)}}}`;
    expect(parseMergeText(chain(MAX_FILTERS_PER_TAG))).toHaveLength(1);
    const error = thrownBy(MergeFieldSyntaxError, () =>
      parseMergeText(chain(MAX_FILTERS_PER_TAG + 1)),
    );
    expect(error.reason).toContain(`at most ${MAX_FILTERS_PER_TAG} filters`);
  });

  it('when the same paths repeat then each is referenced once, in order of first use', () => {
    const parsed = parseTemplate(
      templateInput({
        summary: '{{B}} {{A}}',
        description: '{{A}} {{$Now}} {{B}} {{C.D}}',
        fields: [],
      }),
    );
    expect(referencedPaths(parsed)).toEqual(['B', 'A', 'C.D']);
  });
});

describe('value maps per template', () => {
  const valueMap = (count: number, prefix: string) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, `Jira ${i}`]));
  const mappings = (sizes: number[]) =>
    sizes.map((size, i) => ({
      jiraField: `customfield_${10_000 + i}`,
      value: '',
      valueMap: valueMap(size, `v${i}-`),
    }));

  it(`when the value maps hold ${MAX_VALUE_MAP_ENTRIES} entries in all then the template is accepted`, () => {
    expect(parseTemplate(templateInput({ fields: mappings([600, 400]) })).fields).toHaveLength(2);
  });

  it('when the value maps hold more entries in all then TEMPLATE_INVALID names the limit', () => {
    for (const sizes of [[1_001], [600, 401], Array.from({ length: 100 }, () => 1_000)]) {
      const error = thrownBy(AppError, () =>
        parseTemplate(templateInput({ fields: mappings(sizes) })),
      );
      expect(error.code).toBe('TEMPLATE_INVALID');
      expect(error.detail).toContain(`at most ${MAX_VALUE_MAP_ENTRIES}`);
    }
  });
});

describe('fields per record', () => {
  it(`when a record holds ${MAX_RECORD_FIELDS} fields, relationships included, then it is accepted`, () => {
    const fields = { ...fieldsNamed(MAX_RECORD_FIELDS - 2), Account: { Name: 'Acme' } };
    expect(parseRecord(record(fields)).fields).toEqual(fields);
  });

  it.each([
    ['one more field', () => fieldsNamed(MAX_RECORD_FIELDS + 1)],
    ['one more inside a relationship', () => ({ A: fieldsNamed(MAX_RECORD_FIELDS) })],
    ['two hundred thousand fields in one relationship', () => ({ A: fieldsNamed(200_000) })],
  ])('when a record holds %s then VALIDATION_FAILED names the limit', (_what, fields) => {
    const error = thrownBy(AppError, () => parseRecord(record(fields())));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.detail).toContain(`at most ${MAX_RECORD_FIELDS}`);
  });

  it('when record data is wrong in several places then each place is named', () => {
    const error = thrownBy(AppError, () =>
      parseRecord(
        record({
          '1st': 'x',
          Long: 'x'.repeat(131_073),
          List: [1] as never,
          Owner: { Manager: { A: { B: { C: { D: { E: 1 } } } } } },
          Ok: { Name: null, Flag: true, Count: 3 },
        }),
      ),
    );
    expect(error.fieldErrors?.map((e) => e.field).sort()).toEqual([
      'record.fields.1st',
      'record.fields.List',
      'record.fields.Long',
      'record.fields.Owner.Manager.A.B.C.D',
    ]);
    expect(
      thrownBy(AppError, () => parseRecord({ ...record({}), fields: undefined })).fieldErrors,
    ).toEqual([{ field: 'record.fields', message: 'expected an object of field values' }]);
  });

  it('when record data is as wide as it can get then its leaves are found in document order', () => {
    const wide: RecordFields = { A: fieldsNamed(200_000), B: 1, C: { D: { E: null } } };
    const leaves = leafPaths(wide);
    expect(leaves).toHaveLength(200_002);
    expect(leaves.slice(0, 2)).toEqual(['A.F0', 'A.F1']);
    expect(leaves.slice(-2)).toEqual(['B', 'C.D.E']);
  });

  it('when a null relationship stands for a referenced path then it is covered, and other leaves are not', () => {
    const parsed = template({
      summary: '{{Account.Owner.Name}}',
      description: '{{Subject}}',
      fields: [],
    });
    expect(
      findDataMinimisationIssues(parsed, {
        fields: { Account: { Owner: null }, Subject: 'x', Acc: 1, Account2: null },
      }),
    ).toEqual({ missing: [], unmapped: ['Acc', 'Account2'] });
  });
});

describe('merged text per record', () => {
  const render = (description: string, fields: RecordFields) =>
    renderIssuePayload({
      template: template({
        summary: 'Case',
        description,
        fields: [{ jiraField: 'customfield_10030', value: '', default: 'Sev 3' }],
      }),
      record: record(fields),
      orgId: ORG_ID,
      now: NOW,
      deployment: 'cloud',
      createMeta: { issueTypeId: '10004', fields: cloudFields() },
    });

  it('when long values are repeated past the budget then the field where it ran out has a problem and create refuses', () => {
    const long = 'x'.repeat(131_072);
    const repeats = Math.ceil(MAX_MERGED_CHARACTERS / long.length) + 1;
    const rendered = render(
      tags(repeats, () => 'Description'),
      { Description: long },
    );
    expect(rendered.problems).toEqual([
      expect.objectContaining({
        field: 'description',
        code: 'VALUE_INVALID',
        message: expect.stringContaining('1,048,576'),
      }),
    ]);
    expect(() => assertNoProblems(rendered)).toThrow(AppError);
  });

  it('when a long value is used once then it is truncated as before, with no problem', () => {
    const rendered = render('{{Description}}', { Description: 'y'.repeat(131_072) });
    expect(rendered.problems).toEqual([]);
  });

  it('when the budget is given to the renderer then merged values are charged before their filters run', () => {
    const budget = { remaining: 10 };
    const context = {
      record: { id: '1', url: 'u', fields: { A: 'abcdef' } },
      orgId: ORG_ID,
      now: NOW,
    };
    expect(renderMergeText('{{A|upper}}-{{A|upper}}', context, budget)).toEqual({
      text: 'ABCDEF-',
      problems: [],
      exhausted: true,
    });
  });

  it('when truncate meets a value far longer than its length then the first characters are kept, surrogate pairs whole', () => {
    const context = (A: string) => ({
      record: { id: '1', url: 'u', fields: { A } },
      orgId: ORG_ID,
      now: NOW,
    });
    expect(renderMergeText('{{A|truncate:3}}', context('😀😀😀')).text).toBe('😀😀😀');
    expect(renderMergeText('{{A|truncate:3}}', context('😀😀😀😀')).text).toBe('😀😀…');
    expect(renderMergeText('{{A|truncate:1}}', context('ab')).text).toBe('…');
    expect(renderMergeText('{{A|truncate:5}}', context('z'.repeat(131_072))).text).toBe('zzzz…');
  });
});

describe('value shaping of very long values', () => {
  const fields = cloudFields();

  it('when a multi-select holds many values Jira does not allow then a few are named and the rest counted', () => {
    const meta = fieldMeta(fields, 'customfield_10031');
    const items = Array.from({ length: 1_000 }, (_, i) => `Nope ${i}`).join(';');
    const shaped = shapeFieldValue(meta, items, { deployment: 'cloud' });
    expect(shaped.problems).toHaveLength(MAX_PROBLEMS_PER_FIELD + 1);
    expect(shaped.problems.at(-1)?.message).toContain('and 995 more values');
  });

  it('when a value Jira does not allow is very long then the problem quotes only its start', () => {
    const meta = fieldMeta(fields, 'customfield_10030');
    const shaped = shapeFieldValue(meta, 'q'.repeat(100_000), { deployment: 'cloud' });
    expect(shaped.problems).toHaveLength(1);
    expect(shaped.problems[0]?.message.length).toBeLessThan(400);
  });

  it('when a multi-select names allowed values by value, name or id in any mix then each is found', () => {
    const meta = fieldMeta(fields, 'customfield_10031');
    const allowed = meta.allowedValues ?? [];
    const names = allowed.map((v) => v.value ?? '');
    const shaped = shapeFieldValue(meta, [...names, ...names].join(';'), { deployment: 'cloud' });
    expect(shaped.problems).toEqual([]);
    expect(shaped.value).toHaveLength(names.length * 2);
  });

  it('when a single-line field gets thousands of blanks without a newline then they stay one line, trimmed', () => {
    const meta = fieldMeta(fields, 'summary');
    const shaped = shapeFieldValue(meta, `  a${' '.repeat(200_000)}b \n\t \n c  `, {
      deployment: 'cloud',
    });
    // Cut to Jira's 255 characters, the blanks before the cut trimmed.
    expect(shaped.value).toBe('a… [truncated by Pharos]');
    expect(shapeFieldValue(meta, ' x \r\n\n y\u2028z ', { deployment: 'cloud' }).value).toBe(
      'x y z',
    );
  });

  it('when labels repeat then each is kept once, in order of first use', () => {
    const many = Array.from({ length: 50_000 }, (_, i) => `l${i % 25_000}`).join(' ');
    const labels = cleanLabels(many);
    expect(labels).toHaveLength(25_000);
    expect(labels.slice(0, 3)).toEqual(['l0', 'l1', 'l2']);
    expect(cleanLabels('b a,b;c a')).toEqual(['b', 'a', 'c']);
  });
});

describe('rich text of very long lines', () => {
  it('when one line holds a hundred thousand links then each becomes a link node', () => {
    const line = 'see http://a.example/x '.repeat(100_000);
    const [paragraph] = plainTextToAdfParagraphs(line);
    expect(paragraph?.content.filter((n) => n.type === 'text' && n.marks)).toHaveLength(100_000);
  });

  it('when a link is followed by thousands of closing brackets or dots then they are dropped as before', () => {
    expect(tokeniseUrls(`(see http://a.example/x_(y))${')'.repeat(50_000)}`)).toEqual([
      { kind: 'text', text: '(see ' },
      { kind: 'url', text: 'http://a.example/x_(y)' },
      { kind: 'text', text: `)${')'.repeat(50_000)}` },
    ]);
    expect(tokeniseUrls(`http://a.example/${'.'.repeat(50_000)}`)[0]).toEqual({
      kind: 'url',
      text: 'http://a.example/',
    });
    expect(tokeniseUrls('http://a.example/[x]}.')[0]).toEqual({
      kind: 'url',
      text: 'http://a.example/[x]',
    });
  });
});

describe('wiki markup and comments of very long texts', () => {
  /** The cut as it was written before: escape everything, then cut the source until it fits. */
  function referenceWithin(text: string, limit: number, marker: string): string {
    const full = plainTextToWiki(text);
    if (full.length <= limit) return full;
    const chars = [...normaliseText(text)];
    let keep = Math.max(0, limit - marker.length);
    for (;;) {
      const candidate = plainTextToWiki(chars.slice(0, keep).join('').trimEnd() + marker);
      if (candidate.length <= limit || keep === 0) return candidate;
      keep = Math.max(0, keep - (candidate.length - limit));
    }
  }

  it.each([
    ['plain words', 'word '.repeat(50_000)],
    ['markup everywhere', '*b* _i_ {code} [link|x] (y) :) h1. x\\ '.repeat(10_000)],
    [
      'blank lines around a short text',
      `${'\n  \n'.repeat(40_000)}short *text*${'\n \n'.repeat(40_000)}`,
    ],
    ['emoji and links', '😀 https://a.example/x?y=1 '.repeat(10_000)],
  ])('when %s are cut to fit then the result is what the full escape would give', (_what, text) => {
    for (const limit of [50, 1_000, 32_767]) {
      expect(plainTextToWikiWithin(text, limit, '… [cut]')).toBe(
        referenceWithin(text, limit, '… [cut]'),
      );
    }
  });

  it('when a comment is many times longer than Jira accepts then it is refused without being rendered', () => {
    for (const deployment of ['cloud', 'server'] as const) {
      const error = thrownBy(AppError, () =>
        renderCommentBody({
          deployment,
          text: 'http://a.example/x '.repeat(50_000),
          record: { id: '5005g00000Q1w2eAAB', url: 'https://acme.my.salesforce.com/x' },
        }),
      );
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED', extra: { maxLength: 32_767 } });
      expect(error.detail).toContain('900,000 characters besides blanks');
    }
  });

  it('when a comment is mostly blank lines then only its visible characters count against the limit', () => {
    const text = `${'\n'.repeat(500_000)}still here${' \n'.repeat(100_000)}`;
    const rendered = renderCommentBody({
      deployment: 'cloud',
      text,
      record: { id: '5005g00000Q1w2eAAB', url: 'https://acme.my.salesforce.com/x' },
    });
    expect(JSON.stringify(rendered)).toContain('still here');
  });
});

describe('problem answers', () => {
  it('when an error lists thousands of fields then the problem lists the first few and counts them all', () => {
    const fieldErrors = Array.from({ length: 5_000 }, (_, i) => ({
      field: `record.fields.F${i}`,
      message: 'm'.repeat(10_000),
    }));
    const error = new AppError('VALIDATION_FAILED', 'd'.repeat(100_000), {
      fieldErrors,
      extra: { unmapped: fieldErrors.map((e) => e.field), length: 7, note: 'n'.repeat(5_000) },
    });
    const problem = toProblem(error, 'req-1');
    expect(problem.fieldErrors).toHaveLength(PROBLEM_LIST_LIMIT);
    expect(problem).toMatchObject({ fieldErrorsTotal: 5_000, unmappedTotal: 5_000, length: 7 });
    expect(problem.unmapped).toHaveLength(PROBLEM_LIST_LIMIT);
    expect(JSON.stringify(problem).length).toBeLessThan(20_000);
  });

  it('when an error lists a few fields then the problem lists them all, without totals', () => {
    const problem = toProblem(
      new AppError('TEMPLATE_DATA_UNMAPPED', 'x', {
        fieldErrors: [{ field: 'a', message: 'b' }],
        extra: { unmapped: ['a'] },
      }),
      'req-1',
    );
    expect(problem).toEqual(
      expect.objectContaining({ fieldErrors: [{ field: 'a', message: 'b' }], unmapped: ['a'] }),
    );
    expect(problem).not.toHaveProperty('fieldErrorsTotal');
    expect(problem).not.toHaveProperty('unmappedTotal');
  });
});
