import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type pg from 'pg';
import { z } from 'zod';
import type { Db } from './store';

/** A write to one connection's Jira that completed (or failed) on some relay instance. */
export interface IssueWrite {
  orgId: string;
  connection: string;
  /** The issue written, or undefined when the write may have touched any issue. */
  issueKey: string | undefined;
}

export interface IssueWriteListener {
  /** Another instance wrote. */
  written(write: IssueWrite): void;
  /**
   * Whether this instance hears of every other instance's writes from now on. False while the
   * notice connection is down: writes made elsewhere meanwhile go unheard.
   */
  listening(listening: boolean): void;
}

/**
 * Tells the relay instances sharing one PostgreSQL store of each other's Jira writes, so that
 * none of them lets a caller join a read that started before a write elsewhere
 * (jira/read-coalescer.ts). PostgreSQL's LISTEN/NOTIFY carries them: a notice is sent when
 * the write's Jira call ends, before the operation answers, and reaches the other instances
 * within a few milliseconds, well before a record page can ask again.
 */
export interface IssueWriteNotices {
  publish(write: IssueWrite): void;
  /** One listener; it hears at once whether notices are being received. */
  subscribe(listener: IssueWriteListener): void;
  close(): Promise<void>;
}

const CHANNEL = 'relay_issue_writes';
const RECONNECT_FIRST_MS = 500;
const RECONNECT_MAX_MS = 30_000;

// Short keys: PostgreSQL caps a notice's payload at 8,000 bytes, and these go with every write.
const noticeSchema = z.object({
  from: z.string(),
  org: z.string(),
  connection: z.string(),
  issue: z.string().nullable(),
});

/* eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the pg store only */
const loadPg = () => require('pg') as typeof pg;

export class PostgresIssueWriteNotices implements IssueWriteNotices {
  /** Tells this instance's own notices apart from the others'. */
  private readonly instanceId = randomUUID();
  private listener: IssueWriteListener | undefined;
  private client: pg.Client | undefined;
  private isListening = false;
  private closed = false;
  private reconnectMs = RECONNECT_FIRST_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    /** The store's pool sends the notices; only listening needs a connection of its own. */
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /** Opens the listening connection; on failure, keeps trying in the background. */
  start(): Promise<void> {
    return this.connect();
  }

  subscribe(listener: IssueWriteListener): void {
    this.listener = listener;
    listener.listening(this.isListening);
  }

  publish(write: IssueWrite): void {
    const payload = JSON.stringify({
      from: this.instanceId,
      org: write.orgId,
      connection: write.connection,
      issue: write.issueKey ?? null,
    });
    sql`select pg_notify(${CHANNEL}, ${payload})`.execute(this.db).catch((error: unknown) => {
      // The other instances keep sharing that read for at most one Jira answer time.
      this.logger.warn({ err: error }, 'a Jira write could not be told to the other instances');
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    this.setListening(false);
    await client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new (loadPg().Client)({ connectionString: this.url });
    this.client = client;
    // Without an 'error' listener a lost connection would end the process.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel === CHANNEL) this.heard(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      this.logger.warn({ err: error }, 'not listening for other instances’ Jira writes yet');
      this.lost(client);
      return;
    }
    if (this.client !== client) return; // closed or replaced meanwhile
    this.reconnectMs = RECONNECT_FIRST_MS;
    this.setListening(true);
  }

  private heard(payload: string | undefined): void {
    let notice: z.infer<typeof noticeSchema>;
    try {
      notice = noticeSchema.parse(JSON.parse(payload ?? ''));
    } catch {
      return; // not one of ours
    }
    if (notice.from === this.instanceId) return;
    this.listener?.written({
      orgId: notice.org,
      connection: notice.connection,
      issueKey: notice.issue ?? undefined,
    });
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.setListening(false);
    client.end().catch(() => {});
    if (this.closed) return;
    this.reconnectTimer = setTimeout(() => void this.connect(), this.reconnectMs);
    this.reconnectTimer.unref();
    this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MAX_MS);
  }

  private setListening(listening: boolean): void {
    if (this.isListening === listening) return;
    this.isListening = listening;
    if (!listening && !this.closed) {
      this.logger.warn('not hearing of other instances’ Jira writes: reads are not shared');
    }
    this.listener?.listening(listening);
  }
}
