import { normaliseText, tokeniseUrls, visibleLength } from './text-normalisation';

/**
 * Salesforce plain text as Jira wiki markup (Server/Data Center descriptions, comments and
 * multi-line text fields), escaped so that no character sequence in the text can become
 * formatting, a macro ({code}, {noformat}, {color}…), a link, an image, a mention, a table, a
 * heading, a list or an emoticon. Bare URLs stay usable: Jira links them by itself.
 */

/** Characters Jira's renderer gives a meaning to; "\x" shows x literally. */
const BACKSLASH_ESCAPED = new Set([
  '{',
  '}',
  '[',
  ']',
  '*',
  '_',
  '-',
  '+',
  '^',
  '~',
  '?',
  '|',
  '!',
  '#',
]);

/**
 * A backslash cannot escape itself ("\\" is a forced line break), and emoticons and block
 * prefixes are detected on raw text, so those characters are written as numeric character
 * references instead: Jira renders them as the character, and they can form no markup.
 */
const entity = (ch: string) => `&#${ch.codePointAt(0)};`;

/** Jira's bracketed emoticons: `(y)`, `(on)`, `(flagoff)`, `(*r)`, `(!)`, `(/)`, … */
const PAREN_EMOTICON = /^\((?:y|n|i|x|on|off|flag|flagoff|\/|!|\+|-|\?|\*[rgby]?)\)/i;
/** `:)`, `:(`, `:P`, `:D`, `;)`, and their `:-)` forms. */
const FACE_EMOTICON = /^[:;]-?[()PpDdOo|]/;
/** Block prefixes that no escaped character catches: headings and `bq.` quotes. */
const BLOCK_PREFIX = /^(\s*)(h[1-6]|bq)\./i;

/** URL characters that could close or extend markup are percent-encoded; the URL stays valid. */
export function wikiSafeUrl(url: string): string {
  return url.replace(
    /[[\]|{}!\\^*~\s]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

function escapeRun(text: string): string {
  let out = '';
  // Emoticons are at most 12 characters: only those following a "(", ":" or ";" are looked at.
  const rest = (i: number) => text.slice(i, i + 12);
  for (let i = 0; i < text.length; i += 1) {
    const ch = text[i] ?? '';
    if (ch === '\\') out += entity(ch);
    else if (ch === '(' && PAREN_EMOTICON.test(rest(i))) out += entity(ch);
    else if ((ch === ':' || ch === ';') && FACE_EMOTICON.test(rest(i))) out += entity(ch);
    else if (BACKSLASH_ESCAPED.has(ch)) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

function escapeLine(line: string): string {
  const prefix = BLOCK_PREFIX.exec(line);
  const head = prefix ? `${prefix[1]}${prefix[2]}${entity('.')}` : '';
  const body = prefix ? line.slice(prefix[0].length) : line;
  return (
    head +
    tokeniseUrls(body)
      .map((token) => (token.kind === 'url' ? wikiSafeUrl(token.text) : escapeRun(token.text)))
      .join('')
  );
}

/** Plain text to wiki markup; newlines are kept (one = line break, blank line = paragraph). */
export function plainTextToWiki(text: string): string {
  return normaliseText(text)
    .replace(/^\s*\n|\n\s*$/g, '')
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : escapeLine(line)))
    .join('\n');
}

/**
 * Escapes and truncates so the *escaped* result fits `limit`, ending with the (escaped) marker.
 * Escaping lengthens text, so the source is cut until the output fits. Only the first `limit`
 * characters can be kept, so a longer text costs no more than that to cut.
 */
export function plainTextToWikiWithin(text: string, limit: number, marker: string): string {
  const normalised = normaliseText(text);
  if (visibleLength(normalised) <= limit) {
    const full = plainTextToWiki(normalised);
    if (full.length <= limit) return full;
  }
  // A code point takes at most two UTF-16 units: the first `limit` lie within 2 × limit.
  const chars = [...normalised.slice(0, 2 * limit)].slice(0, limit);
  let keep = Math.max(0, limit - marker.length);
  for (;;) {
    const candidate = plainTextToWiki(chars.slice(0, keep).join('').trimEnd() + marker);
    if (candidate.length <= limit || keep === 0) return candidate;
    keep = Math.max(0, keep - (candidate.length - limit));
  }
}
