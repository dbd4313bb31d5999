import { z } from 'zod';
import type { AdfDoc } from '../adf-document';
import type { JiraApi } from '../jira-client';
import { issuePath, WRITE_SCOPES } from './issues';
import { parseJira } from './parse';

const createdComment = z.looseObject({ id: z.string(), created: z.string().optional() });

export type CreatedComment = z.output<typeof createdComment>;

/**
 * Adds a comment: an ADF document on Cloud, wiki markup on Server/DC. Not retried on network
 * failures after sending (a comment has no idempotency key in Jira; a retry could post twice).
 */
export async function addComment(
  api: JiraApi,
  key: string,
  body: AdfDoc | string,
): Promise<CreatedComment> {
  const response = await api.send({
    method: 'POST',
    path: `${issuePath(api, key)}/comment`,
    body: { body },
    scopes: WRITE_SCOPES,
    issueKey: key,
  });
  return parseJira(createdComment, response, 'the new comment');
}
