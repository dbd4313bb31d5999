import { plainTextToWiki, plainTextToWikiWithin, wikiSafeUrl } from '../../src/templates/wiki';
import { unescapedMarkup } from './wiki-markup';

describe('plain text to Jira wiki markup', () => {
  it.each([
    ['*bold*', '\\*bold\\*'],
    ['_italic_', '\\_italic\\_'],
    ['-deleted-', '\\-deleted\\-'],
    ['+inserted+', '\\+inserted\\+'],
    ['^sup^', '\\^sup\\^'],
    ['~sub~', '\\~sub\\~'],
    ['??citation??', '\\?\\?citation\\?\\?'],
    ['{{mono}}', '\\{\\{mono\\}\\}'],
    ['[link|http://evil.example]', '\\[link\\|http://evil.example\\]'],
    ['[~admin]', '\\[\\~admin\\]'],
    ['!http://evil.example/x.png!', '\\!http://evil.example/x.png\\!'],
    ['||head||\n|cell|', '\\|\\|head\\|\\|\n\\|cell\\|'],
    ['# one\n* two\n- three', '\\# one\n\\* two\n\\- three'],
    ['----', '\\-\\-\\-\\-'],
    ['a -- b --- c', 'a \\-\\- b \\-\\-\\- c'],
    ['{code}rm -rf{code}', '\\{code\\}rm \\-rf\\{code\\}'],
    ['{noformat}x{noformat}', '\\{noformat\\}x\\{noformat\\}'],
    ['{color:red}x{color}', '\\{color:red\\}x\\{color\\}'],
    ['{panel}x{panel}', '\\{panel\\}x\\{panel\\}'],
    ['{quote}q{quote}', '\\{quote\\}q\\{quote\\}'],
    ['{anchor:top}', '\\{anchor:top\\}'],
    ['h1. Title', 'h1&#46; Title'],
    ['  h6. Title', '  h6&#46; Title'],
    ['bq. quoted', 'bq&#46; quoted'],
    ['H2. Upper', 'H2&#46; Upper'],
    ['not h1. here', 'not h1. here'],
    ['a\\\\b', 'a&#92;&#92;b'],
    ['\\*', '&#92;\\*'],
  ])('when %j is escaped then it renders literally as %j', (text, wiki) => {
    expect(plainTextToWiki(text)).toBe(wiki);
  });

  it.each([
    [':)', '&#58;)'],
    [':(', '&#58;('],
    [':P', '&#58;P'],
    [':D', '&#58;D'],
    [';)', '&#59;)'],
    ['(y)', '&#40;y)'],
    ['(n)', '&#40;n)'],
    ['(i)', '&#40;i)'],
    ['(/)', '&#40;/)'],
    ['(x)', '&#40;x)'],
    ['(!)', '&#40;\\!)'],
    ['(+)', '&#40;\\+)'],
    ['(-)', '&#40;\\-)'],
    ['(?)', '&#40;\\?)'],
    ['(on)', '&#40;on)'],
    ['(off)', '&#40;off)'],
    ['(*)', '&#40;\\*)'],
    ['(*r)', '&#40;\\*r)'],
    ['(*y)', '&#40;\\*y)'],
    ['(flag)', '&#40;flag)'],
    ['(flagoff)', '&#40;flagoff)'],
  ])('when the emoticon %j appears then it is broken up', (text, wiki) => {
    expect(plainTextToWiki(text)).toBe(wiki);
  });

  it('when ordinary punctuation appears then it is left readable', () => {
    expect(plainTextToWiki('Order (urgent): 10:30, see note.')).toBe(
      'Order (urgent): 10:30, see note.',
    );
  });

  it('when text holds URLs then they stay plain URLs with markup characters percent-encoded', () => {
    expect(plainTextToWiki('see https://x.example/a_b-c?q=1#f and http://y.example/p|!{x}')).toBe(
      'see https://x.example/a_b-c?q=1#f and http://y.example/p%7C%21%7Bx%7D',
    );
    expect(wikiSafeUrl('https://x.example/[a]^~*\\')).toBe('https://x.example/%5Ba%5D%5E%7E%2A%5C');
  });

  it('when newlines and blank lines appear then they are kept; outer blank lines are dropped', () => {
    expect(plainTextToWiki('\n\na\r\nb\n\n\nc\n\n')).toBe('a\nb\n\n\nc');
  });

  it('when a hostile text mixes every construct then nothing unescaped remains', () => {
    const hostile = [
      'h1. Pwned',
      'bq. {quote}*bold* _it_ -del- +ins+ ^sup^ ~sub~ ??cite?? {{mono}}{quote}',
      '[click|javascript:alert(1)] [~admin] !http://evil.example/t.png|thumbnail!',
      '||a||b||',
      '|c|d|',
      '# n',
      '* b',
      '----',
      '{code:java}x{code} {noformat}y{noformat} {color:red}z{color} {html}<script>{html}',
      ':) ;) (y) (*r) (flagoff) \\\\ \\[',
      'http://ok.example/[x]|y',
    ].join('\n');
    expect(unescapedMarkup(plainTextToWiki(hostile))).toEqual([]);
  });

  it('when truncation is needed then the escaped result fits the limit and ends with the marker', () => {
    const wiki = plainTextToWikiWithin('*'.repeat(100), 50, '… [cut]');
    expect(wiki.length).toBeLessThanOrEqual(50);
    expect(wiki.endsWith('… \\[cut\\]')).toBe(true);
    expect(unescapedMarkup(wiki)).toEqual([]);
    expect(plainTextToWikiWithin('short', 50, '… [cut]')).toBe('short');
  });
});
