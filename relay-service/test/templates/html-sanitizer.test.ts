import { sanitizeJiraHtml } from '../../src/templates/html-sanitizer';

const cloud = (html: string) => sanitizeJiraHtml(html, { siteUrl: 'https://acme.atlassian.net' });
const dc = (html: string) => sanitizeJiraHtml(html, { siteUrl: 'https://jira.acme.example/jira' });

/** Nothing in the output may run: no script-capable tag, handler, or dangerous URL. */
function expectInert(html: string): void {
  expect(html).not.toMatch(
    /<\s*(script|iframe|object|embed|svg|math|style|form|input|img|base|meta|link)\b/i,
  );
  expect(html).not.toMatch(/\son[a-z]+\s*=/i);
  expect(html).not.toMatch(/(javascript|vbscript|data):/i);
  expect(html).not.toMatch(/\sstyle\s*=/i);
}

describe('sanitizing Jira rendered HTML', () => {
  it('when Jira formatting is rendered then paragraphs, emphasis, lists, code and tables survive', () => {
    const html =
      '<p>Hello <b>bold</b> <em>it</em> <del>x</del></p><ul><li>one</li></ul><pre><code>x &lt; 1</code></pre>' +
      '<table><tbody><tr><th colspan="2">h</th></tr><tr><td>c</td><td>d</td></tr></tbody></table><blockquote>q</blockquote>';
    expect(cloud(html)).toBe(html);
  });

  it.each([
    ['<p>a<script>alert(1)</script>b</p>', '<p>ab</p>'],
    ['<img src=x onerror="alert(1)">', '<span></span>'],
    [
      '<img src="/images/icons/emoticons/smile.png" alt="(smile)" onerror=alert(1)>',
      '<span>(smile)</span>',
    ],
    ['<a href="javascript:alert(1)">x</a>', '<a>x</a>'],
    ['<a href="  JaVaScRiPt:alert(1)">x</a>', '<a>x</a>'],
    ['<a href="java&#x09;script:alert(1)">x</a>', '<a>x</a>'],
    ['<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>', '<a>x</a>'],
    ['<svg onload="alert(1)"><text>t</text></svg>ok', 'ok'],
    ['<iframe src="https://evil.example"></iframe>ok', 'ok'],
    ['<p style="background:url(javascript:alert(1))" onclick="alert(1)">p</p>', '<p>p</p>'],
    ['<style>p{color:red}</style><p>p</p>', '<p>p</p>'],
    ['<form action="https://evil.example"><input name=x></form>t', 't'],
    ['<math><mtext><script>alert(1)</script></mtext></math>t', 't'],
    ['<object data="x.swf"></object><embed src="x.swf">t', 't'],
    [
      '<div><a href="#" onmouseover="alert(1)">h</a></div>',
      '<div><a href="https://acme.atlassian.net/#" target="_blank" rel="noopener noreferrer">h</a></div>',
    ],
  ])('when Jira content holds %j then it comes back inert', (input, expected) => {
    const output = cloud(input);
    expect(output).toBe(expected);
    expectInert(output);
  });

  it.each([
    'p',
    'div',
    'span',
    'strong',
    'b',
    'em',
    'i',
    'u',
    's',
    'del',
    'ins',
    'sub',
    'sup',
    'small',
    'cite',
    'q',
    'code',
    'pre',
    'tt',
    'kbd',
    'samp',
    'blockquote',
    'ul',
    'ol',
    'li',
    'dl',
    'dt',
    'dd',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'caption',
    'thead',
    'tbody',
    'tfoot',
    'tr',
    'th',
    'td',
  ])('when Jira renders a <%s> then it survives with its text', (tag) => {
    expect(cloud(`<${tag}>x</${tag}>`)).toBe(`<${tag}>x</${tag}>`);
  });

  it('when Jira renders line breaks, rules and a table with its parts then they survive', () => {
    const html =
      '<p>a<br />b</p><hr /><table><caption>c</caption><thead><tr><th rowspan="2">h</th></tr></thead>' +
      '<tfoot><tr><td colspan="3" rowspan="1">f</td></tr></tfoot></table><ol start="4"><li>x</li></ol>';
    expect(cloud(html)).toBe(html);
  });

  it('when a link has a title then the title is kept, with or without a safe target', () => {
    expect(cloud('<a href="https://x.example/" title="Spec">s</a>')).toBe(
      '<a href="https://x.example/" target="_blank" rel="noopener noreferrer" title="Spec">s</a>',
    );
    expect(cloud('<a href="javascript:x" title="Spec">s</a>')).toBe('<a title="Spec">s</a>');
    expect(cloud('<a>s</a>')).toBe('<a>s</a>');
  });

  it.each([
    'script',
    'style',
    'textarea',
    'option',
    'select',
    'noscript',
    'template',
    'title',
    'iframe',
    'frameset',
    'object',
    'applet',
    'svg',
    'math',
    'xmp',
    'noembed',
    'noframes',
    // <frame> and <embed> are void elements: they have no content to drop.
  ])('when Jira content holds a <%s> then it is dropped with its content', (tag) => {
    expect(cloud(`<p>a<${tag}>hidden</${tag}>b</p>`)).toBe('<p>ab</p>');
  });

  it('when Jira content holds <plaintext> then it and everything after it is dropped', () => {
    expect(cloud('<p>a</p><plaintext><b>rest</b>')).toBe('<p>a</p>');
  });

  it.each([
    [
      'an attribute of an allowed tag that is not allowed on it',
      '<td title="t" start="2">x</td>',
      '<td>x</td>',
    ],
    ['a span of a tag that is not allowed', '<font color="red">x</font>', 'x'],
    ['a link to another scheme', '<a href="ftp://x.example/f">f</a>', '<a>f</a>'],
    ['an href that is no URL at all', '<a href="http://">f</a>', '<a>f</a>'],
    ['an image without alt text', '<img src="x.png">', '<span></span>'],
  ])('when Jira content holds %s then only the safe part is kept', (_what, input, expected) => {
    expect(cloud(input)).toBe(expected);
  });

  it('when the site URL already ends with a slash then relative links resolve under it once', () => {
    expect(
      sanitizeJiraHtml('<a href="browse/SUP-1">a</a>', {
        siteUrl: 'https://jira.acme.example/jira/',
      }),
    ).toBe(
      '<a href="https://jira.acme.example/jira/browse/SUP-1" target="_blank" rel="noopener noreferrer">a</a>',
    );
  });

  it('when links are absolute http(s) or mailto then they open in a new tab without opener', () => {
    expect(cloud('<a href="https://x.example/a" target="_self" rel="opener">x</a>')).toBe(
      '<a href="https://x.example/a" target="_blank" rel="noopener noreferrer">x</a>',
    );
    expect(cloud('<a href="http://intranet.acme.example/a">x</a>')).toBe(
      '<a href="http://intranet.acme.example/a" target="_blank" rel="noopener noreferrer">x</a>',
    );
    expect(cloud('<a href="mailto:a@b.example">m</a>')).toBe(
      '<a href="mailto:a@b.example" target="_blank" rel="noopener noreferrer">m</a>',
    );
  });

  it('when links are relative then they resolve against the site, keeping a DC context path', () => {
    expect(cloud('<a href="/browse/SUP-1">SUP-1</a>')).toBe(
      '<a href="https://acme.atlassian.net/browse/SUP-1" target="_blank" rel="noopener noreferrer">SUP-1</a>',
    );
    expect(dc('<a href="/jira/browse/SUP-1">a</a><a href="secure/attachment/1/x.txt">b</a>')).toBe(
      '<a href="https://jira.acme.example/jira/browse/SUP-1" target="_blank" rel="noopener noreferrer">a</a>' +
        '<a href="https://jira.acme.example/jira/secure/attachment/1/x.txt" target="_blank" rel="noopener noreferrer">b</a>',
    );
  });

  it('when the same HTML is sanitized again (kept from the last time) then each site still resolves its own links, and hostile HTML stays inert', () => {
    const html = '<p><a href="browse/SUP-1" onclick="x()">SUP-1</a><script>alert(1)</script></p>';
    for (let round = 0; round < 2; round += 1) {
      expect(cloud(html)).toBe(
        '<p><a href="https://acme.atlassian.net/browse/SUP-1" target="_blank" rel="noopener noreferrer">SUP-1</a></p>',
      );
      expect(dc(html)).toBe(
        '<p><a href="https://jira.acme.example/jira/browse/SUP-1" target="_blank" rel="noopener noreferrer">SUP-1</a></p>',
      );
      expectInert(cloud(html));
    }
  });

  it('when a link is protocol-relative then it resolves to https on that host', () => {
    expect(cloud('<a href="//other.example/x">x</a>')).toBe(
      '<a href="https://other.example/x" target="_blank" rel="noopener noreferrer">x</a>',
    );
  });

  it('when text looks like markup after decoding then it stays escaped text', () => {
    const output = cloud('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expect(output).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    expectInert(output);
  });
});
