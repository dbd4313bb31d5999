/**
 * Shared clean-up of Salesforce plain text before it is turned into Jira rich text, and the
 * URL detection both renderers use, so ADF and wiki agree on what counts as a link.
 */

/** Line endings to "\n"; control characters Jira rejects or renders invisibly removed. */
export function normaliseText(text: string): string {
  return (
    text
      .replace(/\r\n?|[\u2028\u2029]/g, '\n')
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
  );
}

export type TextToken = { kind: 'text'; text: string } | { kind: 'url'; text: string };

const URL_CANDIDATE = /https?:\/\/[^\s<>"'`]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?'"*_~]$/;

/** Splits one line into plain text and http(s) URLs. */
export function tokeniseUrls(line: string): TextToken[] {
  const tokens: TextToken[] = [];
  let last = 0;
  for (const match of line.matchAll(URL_CANDIDATE)) {
    const url = trimUrl(match[0]);
    if (!isHttpUrl(url)) continue;
    const start = match.index;
    if (start > last) tokens.push({ kind: 'text', text: line.slice(last, start) });
    tokens.push({ kind: 'url', text: url });
    last = start + url.length;
  }
  if (last < line.length) tokens.push({ kind: 'text', text: line.slice(last) });
  return tokens;
}

/** Drops sentence punctuation and unbalanced closing brackets that follow a URL in prose. */
function trimUrl(url: string): string {
  let out = url;
  for (;;) {
    if (TRAILING_PUNCTUATION.test(out)) {
      out = out.slice(0, -1);
      continue;
    }
    const closing = out.at(-1);
    const opening = closing === ')' ? '(' : closing === ']' ? '[' : closing === '}' ? '{' : '';
    if (opening && count(out, closing ?? '') > count(out, opening)) {
      out = out.slice(0, -1);
      continue;
    }
    return out;
  }
}

function count(text: string, ch: string): number {
  return text.split(ch).length - 1;
}

export function isHttpUrl(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
