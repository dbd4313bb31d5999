import { createHash } from 'node:crypto';
import type http from 'node:http';

/**
 * Files of the Salesforce double: ContentVersion metadata, ContentDocumentLink rows, and each
 * version's bytes generated from a seed as they are sent (a seeded PRNG stream), so a test can
 * serve a file of any size without holding it, and compute its expected hash the same way.
 */

const CHUNK = 64 * 1024;

/** The bytes of a seeded file, in chunks of at most 64 KiB. */
export function* seededBytes(seed: number, size: number): Generator<Buffer> {
  // xorshift32: fast, deterministic, and never stuck at zero for a non-zero seed.
  let state = seed >>> 0 || 0x9e3779b9;
  for (let sent = 0; sent < size; sent += CHUNK) {
    const length = Math.min(CHUNK, size - sent);
    const words = new Uint32Array(Math.ceil(length / 4));
    for (let i = 0; i < words.length; i += 1) {
      state ^= state << 13;
      state >>>= 0;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      words[i] = state;
    }
    yield Buffer.from(words.buffer, 0, length);
  }
}

/** The sha256 of a seeded file, as a receiver that got exactly its bytes would compute it. */
export function seededSha256(seed: number, size: number): string {
  const hash = createHash('sha256');
  for (const chunk of seededBytes(seed, size)) hash.update(chunk);
  return hash.digest('hex');
}

export type FileFault =
  /** VersionData answers this status with Salesforce's error body. */
  | { kind: 'status'; status: number }
  /** The connection is dropped after this many bytes of the file. */
  | { kind: 'reset'; afterBytes: number }
  /** More bytes are sent than ContentSize says. */
  | { kind: 'extraBytes'; bytes: number }
  /** The answer ends (cleanly) this many bytes short of ContentSize. */
  | { kind: 'short'; bytes: number }
  /** Sending stops after this many bytes until `resume` settles (a test looks meanwhile). */
  | { kind: 'pause'; afterBytes: number; resume: Promise<void> };

export interface DoubleFile {
  contentVersionId: string;
  contentDocumentId: string;
  title: string;
  extension: string | null;
  size: number;
  seed: number;
  /** Faults applied to the next VersionData requests, one each, in order. */
  faults: FileFault[];
  /** VersionData requests for this file so far. */
  requests: number;
}

export class DoubleFiles {
  readonly byVersion = new Map<string, DoubleFile>();
  /** `ContentDocumentId|LinkedEntityId` of each link. */
  readonly links = new Set<string>();
  /** Files whose sending reached a `pause` fault. */
  paused = 0;
  private counter = 0;

  add(input: {
    title: string;
    extension: string | null;
    size: number;
    linkedTo: string[];
    seed?: number;
    /** Ids the file already has elsewhere (the sandbox org's rows); generated when absent. */
    contentVersionId?: string;
    contentDocumentId?: string;
  }): DoubleFile {
    this.counter += 1;
    const n = String(this.counter).padStart(7, '0');
    const file: DoubleFile = {
      contentVersionId: input.contentVersionId ?? `0685g000${n}AAA`,
      contentDocumentId: input.contentDocumentId ?? `0695g000${n}AAA`,
      title: input.title,
      extension: input.extension,
      size: input.size,
      seed: input.seed ?? this.counter * 7919,
      faults: [],
      requests: 0,
    };
    this.byVersion.set(file.contentVersionId, file);
    for (const record of input.linkedTo) this.links.add(`${file.contentDocumentId}|${record}`);
    return file;
  }

  find(id: string): DoubleFile | undefined {
    return [...this.byVersion.values()].find(
      (file) => file.contentVersionId.slice(0, 15) === id.slice(0, 15),
    );
  }

  /**
   * The two file queries the relay makes; undefined when `soql` is not one of them. Anything
   * else about files is refused as Salesforce would refuse an unexpected query.
   */
  query(soql: string): Record<string, unknown> | undefined {
    const versions =
      /^SELECT Id, Title, FileExtension, ContentSize, ContentDocumentId FROM ContentVersion WHERE Id IN \(((?:'\w+'(?:, )?)+)\)$/.exec(
        soql,
      );
    if (versions) {
      const rows = idsIn(versions[1] ?? '')
        .map((id) => this.find(id))
        .filter((file): file is DoubleFile => file !== undefined)
        .map((file) => ({
          attributes: { type: 'ContentVersion' },
          Id: file.contentVersionId,
          Title: file.title,
          FileExtension: file.extension,
          ContentSize: file.size,
          ContentDocumentId: file.contentDocumentId,
        }));
      return { totalSize: rows.length, done: true, records: rows };
    }
    const links =
      /^SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = '(\w+)' AND ContentDocumentId IN \(((?:'\w+'(?:, )?)+)\)$/.exec(
        soql,
      );
    if (links) {
      const record = links[1] ?? '';
      const rows = idsIn(links[2] ?? '')
        .filter((document) =>
          [...this.links].some((link) => {
            const [doc, entity] = link.split('|') as [string, string];
            return (
              doc.slice(0, 15) === document.slice(0, 15) &&
              entity.slice(0, 15) === record.slice(0, 15)
            );
          }),
        )
        .map((document) => ({
          attributes: { type: 'ContentDocumentLink' },
          ContentDocumentId: document,
        }));
      return { totalSize: rows.length, done: true, records: rows };
    }
    return undefined;
  }

  /** Answers `GET …/sobjects/ContentVersion/{id}/VersionData` by streaming the file's bytes. */
  async serve(id: string, res: http.ServerResponse): Promise<void> {
    const file = this.find(id);
    if (!file) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify([
          { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' },
        ]),
      );
      return;
    }
    file.requests += 1;
    const fault = file.faults.shift();
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify([
          {
            errorCode: fault.status >= 500 ? 'UNKNOWN_EXCEPTION' : 'NOT_FOUND',
            message: 'Injected',
          },
        ]),
      );
      return;
    }
    const size =
      file.size +
      (fault?.kind === 'extraBytes' ? fault.bytes : 0) -
      (fault?.kind === 'short' ? fault.bytes : 0);
    const cutAt = fault?.kind === 'reset' ? fault.afterBytes : Number.POSITIVE_INFINITY;
    let pauseAt = fault?.kind === 'pause' ? fault.afterBytes : Number.POSITIVE_INFINITY;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let sent = 0;
    for (const chunk of seededBytes(file.seed, size)) {
      if (sent + chunk.length > cutAt) {
        res.write(chunk.subarray(0, cutAt - sent));
        await new Promise((resolve) => setTimeout(resolve, 20));
        res.socket?.destroy();
        return;
      }
      sent += chunk.length;
      if (sent >= pauseAt && fault?.kind === 'pause') {
        pauseAt = Number.POSITIVE_INFINITY;
        this.paused += 1;
        await fault.resume;
      }
      // Backpressure: the relay reads as fast as it can send to Jira, not faster.
      if (!res.write(chunk)) await drained(res);
      if (res.destroyed) return;
    }
    res.end();
  }
}

/** Resolves when the response can take more, or is gone. */
function drained(res: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

function idsIn(list: string): string[] {
  return [...list.matchAll(/'(\w+)'/g)].map((match) => match[1] ?? '');
}
