import type { Logger } from 'pino';
import { z } from 'zod';
import { addAttachment } from '../jira/endpoints/attachments';
import type { JiraApi } from '../jira/jira-client';
import { AppError, listForMessage } from '../lib/errors';
import { contentVersionIdSchema } from '../lib/salesforce-ids';
import { FileFetchError, id15, type SalesforceFile } from '../salesforce/files-reader';
import { SalesforceCallError } from '../salesforce/sessions';
import { MAX_ATTACHMENT_FILES, type AttachmentPolicy } from '../templates/template-schema';

/**
 * Files of a Salesforce record sent to Jira with a create or a comment, as the template allows.
 * Everything that can refuse a file is checked before the issue or comment is written (nothing
 * reaches Jira then); afterwards each file is streamed from Salesforce to Jira on its own, and a
 * file that fails is reported, never rolled back with the issue or comment.
 */

export const requestFilesSchema = z
  .array(z.strictObject({ contentVersionId: contentVersionIdSchema }))
  .max(MAX_ATTACHMENT_FILES)
  .refine(
    (files) => new Set(files.map((f) => id15(f.contentVersionId))).size === files.length,
    'a file is named twice',
  )
  // Absent stays absent: a request without files keeps the idempotency fingerprint it had.
  .optional();
export type RequestFiles = NonNullable<z.output<typeof requestFilesSchema>>;

/** Where the files' descriptions and bytes come from: the tenant's org. */
export interface RecordFilesSource {
  describe(orgId: string, recordId: string, ids: string[]): Promise<SalesforceFile[]>;
  open(orgId: string, contentVersionId: string): Promise<AsyncIterable<Uint8Array>>;
}

/** A file that passed every check, ready to send. */
export interface FileToSend {
  contentVersionId: string;
  fileName: string;
  size: number;
}

export type AttachmentResult =
  | {
      contentVersionId: string;
      fileName: string;
      size: number;
      attached: true;
      jiraAttachmentId: string;
    }
  | {
      contentVersionId: string;
      fileName: string;
      size: number;
      attached: false;
      code: 'ATTACHMENT_FAILED';
      message: string;
    };

/** Salesforce keeps the extension apart from the title; Jira shows one name. */
export function fileNameOf(file: Pick<SalesforceFile, 'title' | 'extension'>): string {
  const title = file.title.trim() || 'file';
  if (!file.extension) return title;
  return title.toLowerCase().endsWith(`.${file.extension}`) ? title : `${title}.${file.extension}`;
}

const notAllowed = (detail: string) => new AppError('ATTACHMENT_NOT_ALLOWED', detail);

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1).replace(/\.0$/, '')} MB`;
const sizeText = (bytes: number) => `${bytes} bytes (${mb(bytes)})`;

/**
 * The files of a request, checked against the template's policy and the org: each must exist,
 * be linked to the record, have an allowed extension and size, and all of them fit the total.
 * Throws ATTACHMENT_NOT_ALLOWED naming the file and the limit, or SALESFORCE_UNAVAILABLE when
 * the org cannot be read. `templateName` is null for a comment on an issue linked without one.
 */
export async function checkFiles(
  source: RecordFilesSource | undefined,
  input: { orgId: string; recordId: string; files: RequestFiles | undefined },
  policy: AttachmentPolicy | null,
  templateName: string | null,
): Promise<FileToSend[]> {
  const files = input.files ?? [];
  if (files.length === 0) return [];
  if (!policy) {
    throw notAllowed(
      templateName === null
        ? 'Files can only be sent with a template that allows them; this issue was linked without a template.'
        : `The template "${templateName}" does not allow sending files to Jira.`,
    );
  }
  if (files.length > policy.maxFiles) {
    throw notAllowed(
      `${files.length} files were chosen; the template allows at most ${policy.maxFiles}.`,
    );
  }
  if (!source) throw salesforceUnavailable(undefined, 'read the files');
  let described: SalesforceFile[];
  try {
    described = await source.describe(
      input.orgId,
      input.recordId,
      files.map((f) => f.contentVersionId),
    );
  } catch (error) {
    throw salesforceUnavailable(error, 'read the files');
  }
  const byId = new Map(described.map((file) => [id15(file.id), file]));
  const checked: FileToSend[] = [];
  let total = 0;
  for (const { contentVersionId } of files) {
    const file = byId.get(id15(contentVersionId));
    if (!file) throw notAllowed(`The file ${contentVersionId} does not exist in Salesforce.`);
    const fileName = fileNameOf(file);
    if (!file.linkedToRecord)
      throw notAllowed(
        `The file "${fileName}" (${contentVersionId}) is not attached to record ${input.recordId}.`,
      );
    if (!policy.extensions.includes(file.extension))
      throw notAllowed(
        `The file "${fileName}" is of type "${file.extension || 'none'}"; the template allows ${listForMessage(policy.extensions, ', ', 50)}.`,
      );
    if (file.size > policy.maxFileBytes)
      throw notAllowed(
        `The file "${fileName}" has ${sizeText(file.size)}; the template allows at most ${sizeText(policy.maxFileBytes)} per file.`,
      );
    total += file.size;
    if (total > policy.maxTotalBytes)
      throw notAllowed(
        `The files chosen add up to more than the template's total of ${sizeText(policy.maxTotalBytes)} (at "${fileName}").`,
      );
    checked.push({ contentVersionId, fileName, size: file.size });
  }
  return checked;
}

/** Times one file is requested from Salesforce when it fails on Salesforce's side. */
export const MAX_FILE_REQUESTS = 2;

/** Why a file's stream ended wrongly: its own fault, not Jira's. */
class StreamProblem extends Error {
  constructor(
    message: string,
    /** Worth asking Salesforce once more (the connection broke). */
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'StreamProblem';
  }
}

/**
 * Passes the bytes of a file on, and stops the upload (by throwing into it) as soon as more
 * arrive than the file announced, or when the stream ends short or breaks. What went wrong is
 * kept in `problem`, since the upload reports only that its body failed.
 */
class MeasuredContent {
  problem: StreamProblem | undefined;

  constructor(
    private readonly source: AsyncIterable<Uint8Array>,
    private readonly size: number,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    let received = 0;
    try {
      for await (const chunk of this.source) {
        received += chunk.byteLength;
        if (received > this.size)
          throw new StreamProblem(
            `Salesforce sent more than the file's ${this.size} bytes; the upload was stopped`,
            false,
          );
        yield chunk;
      }
    } catch (error) {
      this.problem =
        error instanceof StreamProblem
          ? error
          : new StreamProblem('Salesforce stopped sending the file before its end', true);
      throw this.problem;
    }
    if (received < this.size) {
      this.problem = new StreamProblem(
        `Salesforce sent ${received} of the file's ${this.size} bytes`,
        true,
      );
      throw this.problem;
    }
  }
}

/**
 * Streams each file from Salesforce to the issue, one at a time, and says per file what
 * happened. A file Salesforce fails to serve (5xx, a broken connection) is asked for once
 * more; one it refuses (404, 403) or Jira refuses is not.
 */
export async function sendFiles(
  source: RecordFilesSource | undefined,
  api: JiraApi,
  target: { orgId: string; issueKey: string },
  files: FileToSend[],
  logger: Logger,
): Promise<AttachmentResult[]> {
  const results: AttachmentResult[] = [];
  for (const file of files) {
    const result = source
      ? await sendFile(source, api, target, file, logger)
      : failed(file, 'the relay cannot read files from Salesforce');
    results.push(result);
  }
  return results;
}

function failed(file: FileToSend, message: string): AttachmentResult {
  return { ...file, attached: false, code: 'ATTACHMENT_FAILED', message };
}

async function sendFile(
  source: RecordFilesSource,
  api: JiraApi,
  target: { orgId: string; issueKey: string },
  file: FileToSend,
  logger: Logger,
): Promise<AttachmentResult> {
  for (let request = 1; ; request += 1) {
    const again = request < MAX_FILE_REQUESTS;
    let content: AsyncIterable<Uint8Array>;
    try {
      content = await source.open(target.orgId, file.contentVersionId);
    } catch (error) {
      if (error instanceof FileFetchError && error.transient && again) continue;
      const message =
        error instanceof FileFetchError
          ? error.message
          : `the relay could not read the file from Salesforce (${
              error instanceof SalesforceCallError ? error.code : 'error'
            })`;
      return failed(file, message);
    }
    const measured = new MeasuredContent(content, file.size);
    try {
      const added = await addAttachment(api, target.issueKey, {
        fileName: file.fileName,
        size: file.size,
        content: measured,
      });
      return { ...file, attached: true, jiraAttachmentId: added.id };
    } catch (error) {
      closeQuietly(content);
      if (measured.problem) {
        if (measured.problem.transient && again) continue;
        return failed(file, measured.problem.message);
      }
      logger.warn(
        { err: error, issueKey: target.issueKey, contentVersionId: file.contentVersionId },
        'jira did not take a file',
      );
      const reason = error instanceof AppError ? `${error.code}: ${error.detail}` : 'error';
      return failed(file, `Jira did not take the file (${reason.slice(0, 200)})`);
    }
  }
}

/** An upload that failed early leaves the Salesforce stream unread: release its connection. */
function closeQuietly(content: AsyncIterable<Uint8Array>): void {
  const destroy = (content as { destroy?: () => void }).destroy;
  if (typeof destroy === 'function') destroy.call(content);
}

/** The org could not be read for a request: nothing was sent to Jira. */
export function salesforceUnavailable(error: unknown, what: string): AppError {
  if (error instanceof AppError) return error;
  const code =
    error === undefined
      ? 'NOT_CONFIGURED'
      : error instanceof SalesforceCallError
        ? error.code
        : 'UNEXPECTED_RESPONSE';
  return new AppError(
    'SALESFORCE_UNAVAILABLE',
    `The relay could not ${what} in Salesforce (${code}). Nothing was sent to Jira; try again later, or ask the relay's operator to check the org's write-back credential.`,
    { cause: error },
  );
}

/** The audit's line for each file: names and sizes, never contents. */
export function filesSentLines(results: AttachmentResult[]): string[] {
  return results.map(
    (r) => `${r.fileName} (${r.size} bytes): ${r.attached ? 'attached' : `failed ${r.code}`}`,
  );
}
