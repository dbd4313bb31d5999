import fc from 'fast-check';
import { plainTextToAdf } from '../../src/templates/adf';
import {
  parseMergeText,
  renderMergeText,
  type MergeContext,
} from '../../src/templates/merge-fields';
import type { RecordFields } from '../../src/templates/record-fields';
import { plainTextToWiki } from '../../src/templates/wiki';
import { shownText, unescapedMarkup } from '../templates/wiki-markup';

/**
 * Properties of the merge-field renderer and of the markup it feeds: whatever a record holds,
 * it is inserted as data, never read as template syntax or as Jira markup.
 */

const context = (fields: RecordFields): MergeContext => ({
  record: {
    id: '5005g00000Q1w2eAAB',
    url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
    fields,
  },
  user: { name: 'Sam', email: 'sam@acme.example' },
  orgId: '00D5g000004ABCDEAY',
  now: new Date('2026-11-30T10:00:00.000Z'),
});

/** Text with plenty of the characters template and markup syntax is made of. */
const hostile = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      '{',
      '}',
      '{{',
      '}}',
      '|',
      '\\',
      '[',
      ']',
      '*',
      '_',
      '-',
      '!',
      '#',
      '\n',
      '\u0000',
      '\u202e',
      '\ud800',
      'h1.',
      '(y)',
      ';)',
    ),
    fc.string({ unit: 'grapheme', maxLength: 2 }),
  ),
  maxLength: 60,
});
/** Template text without a merge tag (no "{"). */
const literal = fc.string({ maxLength: 40 }).filter((s) => !s.includes('{'));

describe('merge-field renderer properties', () => {
  it('when a record value holds any text, template syntax included, then it is inserted exactly as it is', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const { text, problems } = renderMergeText('{{Subject}}', context({ Subject: value }));
        expect(problems).toEqual([]);
        expect(text).toBe(value);
      }),
    );
  });

  it('when literal text surrounds merge fields then the result is the parts concatenated in order', () => {
    fc.assert(
      fc.property(literal, hostile, literal, hostile, literal, (a, x, b, y, c) => {
        const template = `${a}{{First}}${b}{{ Second }}${c}`;
        const { text } = renderMergeText(template, context({ First: x, Second: y }));
        expect(text).toBe(`${a}${x}${b}${y}${c}`);
      }),
    );
  });

  it('when text has no merge tag then parsing keeps it as one literal part', () => {
    fc.assert(
      fc.property(literal, (text) => {
        expect(parseMergeText(text)).toEqual(text ? [{ kind: 'text', text }] : []);
      }),
    );
  });

  it('when a value is truncated to n then at most n code points come out, a prefix of the value', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 30 }), (value, n) => {
        const { text } = renderMergeText(
          `{{Subject | truncate:${n}}}`,
          context({ Subject: value }),
        );
        expect([...text].length).toBeLessThanOrEqual(n);
        const kept = text.endsWith('…') && text !== value ? text.slice(0, -1) : text;
        expect(value.startsWith(kept)).toBe(true);
      }),
    );
  });

  it('when a value is rendered under a budget then the budget never goes negative and what is merged fits it', () => {
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 5 }), fc.nat(120), (values, size) => {
        const budget = { remaining: size };
        const template = values.map((_, i) => `{{F${i}}}`).join('/');
        const fields = Object.fromEntries(values.map((v, i) => [`F${i}`, v]));
        const { text } = renderMergeText(template, context(fields), budget);
        expect(budget.remaining).toBeGreaterThanOrEqual(0);
        // Merged values never exceed the budget; the rest is the literal separators.
        expect(text.length).toBeLessThanOrEqual(size + Math.max(0, values.length - 1));
      }),
    );
  });
});

/**
 * Every printable ASCII character but ":" (so no URL can form and every character goes through
 * the escaper), a few others, and the openings of headings, quotes and emoticons.
 */
const noUrl = fc.string({
  unit: fc.constantFrom(
    ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((ch) => ch !== ':'),
    '\n',
    'é',
    '\u202e',
    'h1.',
    'bq.',
    '(y)',
    ';)',
  ),
  maxLength: 80,
});

describe('markup properties', () => {
  it('when any text becomes wiki markup then every special character is escaped or a character reference, and Jira shows the text', () => {
    fc.assert(
      fc.property(noUrl, (text) => {
        const wiki = plainTextToWiki(text);
        expect(unescapedMarkup(wiki)).toEqual([]);
        // Block prefixes (headings, quotes) never start a line.
        for (const line of wiki.split('\n')) expect(line).not.toMatch(/^\s*(h[1-6]|bq)\./i);
        // Escaping hides no character: read as Jira reads it, every visible character is back.
        expect(shownText(wiki).replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''));
      }),
    );
  });

  it('when any text becomes ADF then the document holds only paragraphs, text and hard breaks, links only to http(s) URLs', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.oneof(
            fc.constantFrom(
              'https://x.example/a',
              'javascript:alert(1)',
              '[x](y)',
              '\n',
              '\n\n',
              ' ',
            ),
            fc.string({ unit: 'grapheme', maxLength: 3 }),
          ),
          maxLength: 30,
        }),
        (text) => {
          const doc = plainTextToAdf(text);
          expect(doc).toMatchObject({ version: 1, type: 'doc' });
          for (const paragraph of doc.content) {
            expect(paragraph.type).toBe('paragraph');
            for (const node of paragraph.content) {
              expect(['text', 'hardBreak']).toContain(node.type);
              if (node.type !== 'text') continue;
              expect(node.text.length).toBeGreaterThan(0);
              for (const mark of node.marks ?? []) {
                expect(mark.type).toBe('link');
                if (mark.type === 'link') expect(mark.attrs.href).toMatch(/^https?:\/\//);
              }
            }
          }
        },
      ),
    );
  });
});
