import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { JiraApi } from '../jira-client';
import { issuePath, WRITE_SCOPES } from './issues';
import { parseJira } from './parse';

/**
 * Adds one file to an issue (`POST {api}/issue/{key}/attachments`, Cloud v3 and DC v2 alike):
 * `multipart/form-data` with one part named `file`, and `X-Atlassian-Token: no-check`, without
 * which Jira refuses the request as a possible cross-site request. The file's bytes are streamed
 * through as they arrive; the body is never held whole.
 */

export interface AttachmentUpload {
  /** The name Jira shows. */
  fileName: string;
  /** Exactly the number of bytes `content` yields (sent as the part's length). */
  size: number;
  content: AsyncIterable<Uint8Array>;
}

export interface AddedAttachment {
  id: string;
  filename: string | null;
  size: number | null;
}

/** Both deployments answer a list with one entry per file of the request. */
const addedAttachments = z
  .array(
    z.looseObject({
      id: z.union([z.string(), z.number()]).transform(String),
      filename: z.string().optional(),
      size: z.number().optional(),
    }),
  )
  .min(1);

/** An upload may take long; its bound is far above the usual call's, and still a bound. */
export const UPLOAD_TIMEOUT_MS = 15 * 60 * 1000;

/** A quoted-string parameter cannot carry quotes, backslashes or line breaks; Jira keeps UTF-8. */
export function multipartFileName(name: string): string {
  return name.replace(/["\\\r\n]/g, '_');
}

async function* multipartBody(
  head: Buffer,
  content: AsyncIterable<Uint8Array>,
  tail: Buffer,
): AsyncGenerator<Uint8Array> {
  yield head;
  yield* content;
  yield tail;
}

export async function addAttachment(
  api: JiraApi,
  key: string,
  upload: AttachmentUpload,
): Promise<AddedAttachment> {
  const boundary = `----pharos-${randomBytes(16).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="file"; filename="${multipartFileName(upload.fileName)}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  const response = await api.send({
    method: 'POST',
    path: `${issuePath(api, key)}/attachments`,
    // A connection an upload broke off (Jira refused early, Salesforce stopped) must not be
    // reused: each upload gets its own, closed after it.
    headers: { 'x-atlassian-token': 'no-check', connection: 'close' },
    upload: {
      contentType: `multipart/form-data; boundary=${boundary}`,
      contentLength: head.length + upload.size + tail.length,
      body: multipartBody(head, upload.content, tail),
    },
    timeoutMs: UPLOAD_TIMEOUT_MS,
    scopes: WRITE_SCOPES,
    issueKey: key,
  });
  const [added] = parseJira(addedAttachments, response, 'the added attachment');
  return { id: added!.id, filename: added!.filename ?? null, size: added!.size ?? null };
}
