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

  it('when links are absolute http(s) or mailto then they open in a new tab without opener', () => {
    expect(cloud('<a href="https://x.example/a" target="_self" rel="opener">x</a>')).toBe(
      '<a href="https://x.example/a" target="_blank" rel="noopener noreferrer">x</a>',
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
