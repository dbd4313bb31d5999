/**
 * The part of the Atlassian Document Format the relay sends to Jira Cloud (descriptions,
 * comments, multi-line text fields): text, hardBreak, paragraph and link/strong marks.
 * templates/adf.ts builds these documents from Salesforce text.
 */

export type AdfMark = { type: 'link'; attrs: { href: string } } | { type: 'strong' };

// Type aliases rather than interfaces so documents are assignable to JSON value types.
export type AdfText = {
  type: 'text';
  /** Never empty: ADF forbids empty text nodes. */
  text: string;
  marks?: AdfMark[];
};

export type AdfHardBreak = { type: 'hardBreak' };

export type AdfInline = AdfText | AdfHardBreak;

export type AdfParagraph = { type: 'paragraph'; content: AdfInline[] };

export type AdfDoc = { version: 1; type: 'doc'; content: AdfParagraph[] };
