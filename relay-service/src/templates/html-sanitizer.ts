import type SanitizeHtml from 'sanitize-html';

let loaded: typeof SanitizeHtml | undefined;

/**
 * sanitize-html (with postcss and htmlparser2, ~10 MB resident) loads with the first issue view
 * that has rich text, not at start. A lazy require: the relay compiles to CommonJS.
 */
function sanitizeHtml(): typeof SanitizeHtml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('sanitize-html') as typeof SanitizeHtml;
  return loaded;
}

/**
 * Jira's rendered HTML (description, comments) made safe to show inside Salesforce. Jira content
 * is written by anyone with access to the issue, so it is treated as hostile: only formatting
 * tags survive, links may only go to http(s)/mailto, and no script, style, frame, form or event
 * handler gets through.
 */

const ALLOWED_TAGS = [
  'p', 'br', 'hr', 'div', 'span',
  'strong', 'b', 'em', 'i', 'u', 's', 'del', 'ins', 'sub', 'sup', 'small', 'cite', 'q',
  'code', 'pre', 'tt', 'kbd', 'samp', 'blockquote',
  'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td',
  'a',
]; // prettier-ignore

/** Their text content is code or markup, not prose, and is dropped with the tag. */
const DROPPED_WITH_CONTENT = [
  'script', 'style', 'textarea', 'option', 'select', 'noscript', 'template', 'title',
  'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'svg', 'math',
  'xmp', 'noembed', 'noframes', 'plaintext',
]; // prettier-ignore

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The site URL as a base for relative links, always ending with "/" so paths resolve under it. */
function baseOf(siteUrl: string): URL {
  const base = new URL(siteUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return base;
}

function safeHref(href: string | undefined, base: URL): string | undefined {
  if (!href) return undefined;
  try {
    const url = new URL(href, base);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

export interface SanitizeOptions {
  /** The Jira site (e.g. https://acme.atlassian.net or https://jira.acme.com/jira). */
  siteUrl: string;
}

// The same issue is viewed again and again (every record page showing it), and sanitizing is
// a pure function of the site and the HTML: recent answers are kept, bounded in entries and in
// characters so that memory stays small. Long HTML is not kept (rarely viewed twice as is).
const MEMO_ENTRIES = 500;
const MEMO_CHARS = 1_000_000;
const MEMO_LONGEST = 16_000;
const memo = new Map<string, string>();
let memoChars = 0;

export function sanitizeJiraHtml(html: string, options: SanitizeOptions): string {
  if (html.length > MEMO_LONGEST) return sanitizeUncached(html, options);
  const key = `${options.siteUrl}\n${html}`;
  const known = memo.get(key);
  if (known !== undefined) {
    // Most recently used last: the oldest entry is the first to go.
    memo.delete(key);
    memo.set(key, known);
    return known;
  }
  const clean = sanitizeUncached(html, options);
  memo.set(key, clean);
  memoChars += key.length + clean.length;
  for (const [oldKey, oldValue] of memo) {
    if (memo.size <= MEMO_ENTRIES && memoChars <= MEMO_CHARS) break;
    memo.delete(oldKey);
    memoChars -= oldKey.length + oldValue.length;
  }
  return clean;
}

function sanitizeUncached(html: string, options: SanitizeOptions): string {
  const base = baseOf(options.siteUrl);
  return sanitizeHtml()(html, {
    allowedTags: ALLOWED_TAGS,
    nonTextTags: DROPPED_WITH_CONTENT,
    disallowedTagsMode: 'discard',
    allowedAttributes: {
      a: ['href', 'title', 'target', 'rel'],
      th: ['colspan', 'rowspan'],
      td: ['colspan', 'rowspan'],
      ol: ['start'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesAppliedToAttributes: ['href'],
    allowProtocolRelative: false,
    transformTags: {
      a: (tagName, attribs) => {
        const href = safeHref(attribs.href, base);
        const title = attribs.title;
        return {
          tagName,
          attribs: {
            ...(href ? { href, target: '_blank', rel: 'noopener noreferrer' } : {}),
            ...(title ? { title } : {}),
          },
        };
      },
      // Images would load from Jira (needing its session) or from anywhere the author chose
      // (tracking the viewer); their alt text, e.g. an emoticon's, is kept as text instead.
      img: (_tagName, attribs) => ({ tagName: 'span', attribs: {}, text: attribs.alt ?? '' }),
    },
  });
}
