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

/**
 * How many characters of normalised text are not blank. Rendering keeps every one of them (as
 * itself or escaped, longer), so a text with more of them than a limit cannot fit in it once
 * rendered: callers say so without rendering it.
 */
export function visibleLength(normalised: string): number {
  return normalised.replace(/\s+/g, '').length;
}

export type TextToken = { kind: 'text'; text: string } | { kind: 'url'; text: string };

const URL_CANDIDATE = /https?:\/\/[^\s<>"'`]+/gi;
const TRAILING_PUNCTUATION = new Set('.,;:!?\'"*_~');
const OPENING_OF: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

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

/**
 * Drops sentence punctuation and unbalanced closing brackets that follow a URL in prose. The
 * brackets are counted once and the counts kept as characters are dropped, so a URL ending in
 * thousands of them costs one pass.
 */
function trimUrl(url: string): string {
  const counts = new Map<string, number>();
  for (const ch of url) if ('()[]{}'.includes(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let end = url.length;
  while (end > 0) {
    const last = url[end - 1] ?? '';
    if (TRAILING_PUNCTUATION.has(last)) {
      end -= 1;
      continue;
    }
    const opening = OPENING_OF[last];
    const closings = counts.get(last) ?? 0;
    if (opening && closings > (counts.get(opening) ?? 0)) {
      counts.set(last, closings - 1);
      end -= 1;
      continue;
    }
    break;
  }
  return url.slice(0, end);
}

export function isHttpUrl(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
