import type { AdfDoc, AdfInline, AdfMark, AdfParagraph, AdfText } from '../jira/adf-document';
import { normaliseText, tokeniseUrls } from './text-normalisation';

/**
 * Salesforce plain text as an Atlassian Document Format document (Jira Cloud descriptions,
 * comments and multi-line text fields). Only text, hardBreak, paragraph and link/strong marks
 * are produced: the text stays text, whatever characters it holds.
 */

/** A text node, or nothing for empty text (so callers can never emit an empty text node). */
export function adfText(text: string, marks?: AdfMark[]): AdfText[] {
  if (!text) return [];
  return [marks && marks.length > 0 ? { type: 'text', text, marks } : { type: 'text', text }];
}

/** One line as inline nodes, URLs carrying a link mark. */
export function adfInlineLine(line: string): AdfText[] {
  return tokeniseUrls(line).flatMap((token) =>
    token.kind === 'url'
      ? adfText(token.text, [{ type: 'link', attrs: { href: token.text } }])
      : adfText(token.text),
  );
}

/**
 * Paragraphs split on blank lines, single newlines become hardBreaks. Empty (or blank) input
 * gives a doc with no content, which the ADF schema allows (doc.content has no minimum).
 */
export function plainTextToAdfParagraphs(text: string): AdfParagraph[] {
  const paragraphs: AdfParagraph[] = [];
  let lines: string[] = [];
  const flush = () => {
    if (lines.length === 0) return;
    const content: AdfInline[] = [];
    lines.forEach((line, index) => {
      if (index > 0) content.push({ type: 'hardBreak' });
      // One push per node: spreading a line of thousands of links would overflow the stack.
      for (const node of adfInlineLine(line)) content.push(node);
    });
    paragraphs.push({ type: 'paragraph', content });
    lines = [];
  };
  for (const line of normaliseText(text).split('\n')) {
    if (line.trim() === '') flush();
    else lines.push(line);
  }
  flush();
  return paragraphs;
}

export function plainTextToAdf(text: string): AdfDoc {
  return { version: 1, type: 'doc', content: plainTextToAdfParagraphs(text) };
}

/** The visible text of a document, hardBreaks and paragraph gaps as newlines. */
export function adfPlainText(doc: AdfDoc): string {
  return doc.content
    .map((p) => p.content.map((n) => (n.type === 'text' ? n.text : '\n')).join(''))
    .join('\n\n');
}
