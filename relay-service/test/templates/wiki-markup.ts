/**
 * Readers of the relay's wiki markup, written from Jira's text formatting notation rather than
 * from the relay's escaper, so the wiki tests check the escaper against Jira and not itself.
 */

/**
 * What remains of escaped output once escapes, character references and URLs are removed must
 * hold no character Jira's wiki renderer gives a meaning to: `*` bold and bullets, `_` emphasis,
 * `-` deleted and bullets, `+` inserted, `^` superscript, `~` subscript and mentions, `??`
 * citations, `{` `}` macros and monospace, `[` `]` links, `!` images, `|` tables, `#` numbered
 * lists; and no lone backslash (Jira's escape character, or a line break when doubled).
 */
export function unescapedMarkup(wiki: string): string[] {
  const stripped = wiki
    .replace(/https?:\/\/\S+/g, '')
    .replace(/&#\d+;/g, '')
    .replace(/\\[{}[\]*_\-+^~?|!#]/g, '');
  return [...stripped.matchAll(/[{}[\]*_\-+^~?|!#\\]/g)].map((m) => m[0]);
}

/** The text Jira shows for wiki markup without markup: `\x` shows x, `&#n;` the character n. */
export function shownText(wiki: string): string {
  return wiki.replace(/\\(.)|&#(\d+);/gs, (_, escaped: string | undefined, code: string) =>
    escaped !== undefined ? escaped : String.fromCodePoint(Number(code)),
  );
}
