import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { JiraDouble } from '../jira-double';
import { jiraErrors, type DoubleRouter } from '../router';

/** One file the double received: only its name, size and hash are kept, never its bytes. */
export interface ReceivedAttachment {
  id: string;
  issueKey: string;
  filename: string;
  size: number;
  sha256: string;
}

/** Jira's own default attachment limit (10 MB on DC; Cloud allows more). The double's is set per test. */
export const DEFAULT_ATTACHMENT_LIMIT = 100 * 1024 * 1024;

class UploadTooLarge extends Error {}

/**
 * Reads a `multipart/form-data` body holding one part named `file` as it arrives, hashing the
 * part's bytes (sha256) without keeping them: a test can send a file far larger than what it
 * wants held in memory. The closing boundary is held back, so the hash covers the file alone.
 */
async function readFilePart(
  req: IncomingMessage,
  boundary: string,
  limit: number,
  onBytes: (count: number) => void,
): Promise<{ name: string; filename: string; size: number; sha256: string }> {
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const hash = createHash('sha256');
  let head = Buffer.alloc(0);
  let inPart = false;
  let name = '';
  let filename = '';
  let held = Buffer.alloc(0);
  let size = 0;
  let ended = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (ended) continue;
    let data = chunk;
    if (!inPart) {
      head = Buffer.concat([head, data]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (head.length > 16_384) throw new Error('part headers too long');
        continue;
      }
      const headers = head.subarray(0, end).toString('utf8');
      if (!headers.startsWith(`--${boundary}\r\n`))
        throw new Error('body does not start with the boundary');
      name = /\bname="([^"]*)"/.exec(headers)?.[1] ?? '';
      filename = /\bfilename="([^"]*)"/.exec(headers)?.[1] ?? '';
      inPart = true;
      data = head.subarray(end + 4);
      head = Buffer.alloc(0);
    }
    // Everything but the last delimiter-length bytes is surely file content.
    held = Buffer.concat([held, data]);
    const found = held.indexOf(delimiter);
    if (found >= 0) {
      const content = held.subarray(0, found);
      size += content.length;
      hash.update(content);
      onBytes(content.length);
      ended = true;
      continue;
    }
    const safe = held.length - delimiter.length;
    if (safe > 0) {
      size += safe;
      if (size > limit) throw new UploadTooLarge();
      hash.update(held.subarray(0, safe));
      onBytes(safe);
      held = Buffer.from(held.subarray(safe));
    }
  }
  if (!ended) throw new Error('the body ended before the closing boundary');
  if (size > limit) throw new UploadTooLarge();
  return { name, filename, size, sha256: hash.digest('hex') };
}

/**
 * `POST {api}/issue/{key}/attachments` as Jira does it on both deployments: refused (403)
 * without `X-Atlassian-Token: no-check`, 413 over the size limit, 404 for an unknown issue;
 * otherwise an array with one attachment object.
 */
export function attachmentRoutes(router: DoubleRouter, double: JiraDouble): void {
  const { model } = double;
  router.post(
    `${model.api}/issue/{issueIdOrKey}/attachments`,
    async (request) => {
      const req = request.stream;
      if (!req) return jiraErrors(415, ['Expected a multipart/form-data body.']);
      const drain = () => {
        req.resume();
      };
      if (String(request.headers['x-atlassian-token'] ?? '').toLowerCase() !== 'no-check') {
        drain();
        return {
          status: 403,
          html: 'XSRF check failed',
          headers: { 'content-type': 'text/plain' },
        };
      }
      const issue = model.issue(request.params.issueIdOrKey ?? '');
      const boundary = /boundary=("?)([^";]+)\1/.exec(request.headers['content-type'] ?? '')?.[2];
      if (!issue || !boundary) {
        drain();
        return issue
          ? jiraErrors(400, ['The request is not multipart/form-data with a boundary.'])
          : jiraErrors(404, ['Issue does not exist or you do not have permission to see it.']);
      }
      let part: Awaited<ReturnType<typeof readFilePart>>;
      try {
        part = await readFilePart(
          req,
          boundary,
          double.attachmentLimitBytes,
          (count) => (double.uploadedBytes += count),
        );
      } catch (error) {
        if (error instanceof UploadTooLarge) {
          drain();
          return jiraErrors(413, [
            `The file is larger than the attachment limit of ${double.attachmentLimitBytes} bytes.`,
          ]);
        }
        double.abortedUploads += 1;
        drain();
        return jiraErrors(400, [`Broken multipart body: ${String(error)}`]);
      }
      if (part.name !== 'file') return jiraErrors(400, ['The file part must be named "file".']);
      const id = String(10_200 + double.attachments.length);
      const received: ReceivedAttachment = {
        id,
        issueKey: issue.key,
        filename: part.filename,
        size: part.size,
        sha256: part.sha256,
      };
      double.attachments.push(received);
      const created = model.timestamp();
      return {
        status: 200,
        body: [
          {
            self: `${model.siteUrl}${model.api}/attachment/${id}`,
            id,
            filename: part.filename,
            created,
            size: part.size,
            mimeType: 'application/octet-stream',
            content: `${model.siteUrl}/secure/attachment/${id}/${encodeURIComponent(part.filename)}`,
          },
        ],
      };
    },
    { kind: 'jira', streamsBody: true },
  );
}
