import { plainTextToAdf } from '../../src/templates/adf';
import { adfViolations } from './template-fixtures';

describe('plain text to ADF', () => {
  it('when text has blank lines then each block becomes a paragraph', () => {
    expect(plainTextToAdf('First\n\nSecond\n \t\n\n\nThird')).toEqual({
      version: 1,
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'First' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Second' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Third' }] },
      ],
    });
  });

  it('when text has single newlines (any line ending) then they become hardBreaks', () => {
    expect(plainTextToAdf('a\r\nb\rc\nd').content[0]?.content).toEqual([
      { type: 'text', text: 'a' },
      { type: 'hardBreak' },
      { type: 'text', text: 'b' },
      { type: 'hardBreak' },
      { type: 'text', text: 'c' },
      { type: 'hardBreak' },
      { type: 'text', text: 'd' },
    ]);
  });

  it('when text holds http(s) URLs then they carry link marks and trailing punctuation stays text', () => {
    expect(
      plainTextToAdf('See https://status.acme.example/incidents?id=4 (or http://x.example/a_(b)).')
        .content[0]?.content,
    ).toEqual([
      { type: 'text', text: 'See ' },
      {
        type: 'text',
        text: 'https://status.acme.example/incidents?id=4',
        marks: [{ type: 'link', attrs: { href: 'https://status.acme.example/incidents?id=4' } }],
      },
      { type: 'text', text: ' (or ' },
      {
        type: 'text',
        text: 'http://x.example/a_(b)',
        marks: [{ type: 'link', attrs: { href: 'http://x.example/a_(b)' } }],
      },
      { type: 'text', text: ').' },
    ]);
  });

  it('when a line is only a URL then no empty text node surrounds it', () => {
    expect(
      plainTextToAdf('https://a.example\nhttps://b.example').content[0]?.content.map((n) => n.type),
    ).toEqual(['text', 'hardBreak', 'text']);
  });

  it('when text names other schemes then they are not links', () => {
    const doc = plainTextToAdf('javascript:alert(1) data:text/html,x ftp://f.example');
    expect(doc.content[0]?.content).toEqual([
      { type: 'text', text: 'javascript:alert(1) data:text/html,x ftp://f.example' },
    ]);
  });

  it('when input is empty or blank then the doc has no content and is still valid', () => {
    for (const empty of ['', '\n\n', '   \r\n ']) {
      const doc = plainTextToAdf(empty);
      expect(doc).toEqual({ version: 1, type: 'doc', content: [] });
      expect(adfViolations(doc)).toEqual([]);
    }
  });

  it('when text holds control characters then they are removed; markup-like text stays text', () => {
    expect(plainTextToAdf('a\u0000b\u0007 <b>*x*</b>').content[0]?.content).toEqual([
      { type: 'text', text: 'ab <b>*x*</b>' },
    ]);
  });

  it.each([
    'plain',
    'a\n\n\nb\nc',
    '\n\nleading and trailing\n\n',
    'https://x.example',
    'x https://x.example. y\n\nhttps://y.example/(z)',
    '😀 emoji\u2028line separator',
    '\u0001\u0002',
  ])('when %j is converted then the document follows the ADF rules', (text) => {
    expect(adfViolations(plainTextToAdf(text))).toEqual([]);
  });
});
