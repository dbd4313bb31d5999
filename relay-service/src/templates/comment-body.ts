import { AppError } from '../lib/errors';
import type { AdfDoc } from '../jira/adf-document';
import { adfPlainText, adfText, plainTextToAdfParagraphs } from './adf';
import { isHttpUrl, normaliseText, visibleLength } from './text-normalisation';
import type { Deployment } from './value-shaping';
import { plainTextToWiki, wikiSafeUrl } from './wiki';

/**
 * A comment as Jira receives it: one attribution line naming the Salesforce user and linking
 * the record, then the user's text. The relay posts as the connection's Jira user, so the
 * attribution is the only place the real author appears.
 */

/** Jira's default comment limit (jira.text.field.character.limit). */
export const COMMENT_MAX_LENGTH = 32_767;

/** Past this many times the limit in visible characters, a comment is refused unrendered. */
const FAR_TOO_LONG = 4;

export interface CommentAuthor {
  name?: string | null;
  email?: string | null;
}

export interface CommentRecord {
  id: string;
  url: string;
}

export interface CommentInput {
  deployment: Deployment;
  text: string;
  /** Null or absent for automation without a user. */
  user?: CommentAuthor | null;
  record: CommentRecord;
  maxLength?: number;
  /**
   * Posted as the user's own Jira account (issue #16): Jira names them as the author, so the
   * first line only links the record instead of naming them.
   */
  authoredByUser?: boolean;
}

function authorOf(user: CommentAuthor | null | undefined): string {
  const name = user?.name?.trim();
  const email = user?.email?.trim();
  if (name && email) return `${name} (${email})`;
  return name || email || 'Salesforce automation';
}

export function attributedCommentAdf(input: Omit<CommentInput, 'deployment'>): AdfDoc {
  const author = authorOf(input.user).replace(/\s+/g, ' ');
  const recordId = input.record.id;
  const linkMarks = isHttpUrl(input.record.url)
    ? [{ type: 'link' as const, attrs: { href: input.record.url } }]
    : [];
  const byline = input.authoredByUser
    ? adfText('From Salesforce record ')
    : [
        ...adfText('Comment by '),
        ...adfText(author, [{ type: 'strong' }]),
        ...adfText(' in Salesforce on record '),
      ];
  return {
    version: 1,
    type: 'doc',
    content: [
      {
        type: 'paragraph',
        content: [...byline, ...adfText(recordId, linkMarks)],
      },
      ...plainTextToAdfParagraphs(input.text),
    ],
  };
}

export function attributedCommentWiki(input: Omit<CommentInput, 'deployment'>): string {
  const author = plainTextToWiki(authorOf(input.user).replace(/\s+/g, ' '));
  const recordId = plainTextToWiki(input.record.id);
  const link = isHttpUrl(input.record.url)
    ? `[${recordId}|${wikiSafeUrl(input.record.url)}]`
    : recordId;
  const byline = input.authoredByUser
    ? 'From Salesforce record'
    : `Comment by *${author}* in Salesforce on record`;
  return `${byline} ${link}\n\n${plainTextToWiki(input.text)}`;
}

/**
 * Renders the comment body for the deployment, or refuses (VALIDATION_FAILED on `body`) a blank
 * text, or one Jira would reject as too long once attributed and escaped.
 */
export function renderCommentBody(input: CommentInput): AdfDoc | string {
  const limit = input.maxLength ?? COMMENT_MAX_LENGTH;
  const normalised = normaliseText(input.text);
  if (normalised.trim() === '') {
    throw new AppError('VALIDATION_FAILED', 'The comment is empty; write some text first', {
      fieldErrors: [{ field: 'body', message: 'must not be empty' }],
    });
  }
  const visible = visibleLength(normalised);
  if (visible > FAR_TOO_LONG * limit) {
    // Too long whatever the rendering (it keeps every visible character): refused before a
    // document of it is built. Nearer the limit, the rendered length is measured and named.
    const message = `has ${visible.toLocaleString('en-US')} characters besides blanks; Jira accepts at most ${limit.toLocaleString('en-US')} with the attribution`;
    throw new AppError('VALIDATION_FAILED', `The comment ${message}. Shorten it and try again.`, {
      fieldErrors: [{ field: 'body', message }],
      extra: { maxLength: limit },
    });
  }
  const body =
    input.deployment === 'cloud' ? attributedCommentAdf(input) : attributedCommentWiki(input);
  const length = typeof body === 'string' ? body.length : adfPlainText(body).length;
  if (length > limit) {
    const message = `is ${length.toLocaleString('en-US')} characters with its attribution; Jira accepts at most ${limit.toLocaleString('en-US')}`;
    throw new AppError('VALIDATION_FAILED', `The comment ${message}. Shorten it and try again.`, {
      fieldErrors: [{ field: 'body', message }],
      extra: { length, maxLength: limit },
    });
  }
  return body;
}
