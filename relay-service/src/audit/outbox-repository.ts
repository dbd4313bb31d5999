import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { insertFirstOfEachKey } from '../lib/first-of-each-key';
import type { Db, Store } from '../store/store';
import type { OutboxStatus } from '../store/schema';
import type { AuditEvent } from './audit-event';

export interface OutboxError {
  /** Salesforce status/error code, or the relay's own (e.g. NO_SALESFORCE_CREDENTIAL). */
  code: string;
  message: string;
  fields?: string[];
}

export interface ClaimedEvent {
  requestId: string;
  /** Undefined when the stored JSON could not be read (parked without sending). */
  event: AuditEvent | undefined;
  attempts: number;
}

export interface Claim {
  orgId: string;
  token: string;
  events: ClaimedEvent[];
}

export interface OutboxEntry {
  orgId: string;
  requestId: string;
  operation: string;
  status: OutboxStatus;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  salesforceId: string | null;
  lastError: OutboxError | null;
}

export interface OutboxStats {
  pending: number;
  parked: number;
  oldestPendingCreatedAt: number | null;
}

function parseError(raw: string | null): OutboxError | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as OutboxError;
  } catch {
    return { code: 'UNKNOWN', message: raw };
  }
}

/**
 * Every statement on the audit outbox. The claim is the one place where the engines differ:
 * PostgreSQL instances share the table and skip each other's locked rows; SQLite has a single
 * writer, so its UPDATE … RETURNING is already exclusive.
 */
export class OutboxRepository {
  constructor(private readonly store: Store) {}

  /**
   * Queues an event. Answers false, storing nothing, when the tenant already has an event with
   * this request id (the sink decides what a collision means).
   */
  async enqueue(event: AuditEvent, now: number, db: Db = this.store.db): Promise<boolean> {
    const [queued] = await this.enqueueAll([{ event, now }], db);
    return queued === true;
  }

  /**
   * Queues events with one INSERT; answers, in their order, whether each was queued. An event
   * whose request id the tenant already has, in the table or earlier in the list, is not.
   */
  async enqueueAll(
    entries: readonly { event: AuditEvent; now: number }[],
    db: Db = this.store.db,
  ): Promise<boolean[]> {
    return insertFirstOfEachKey(
      entries,
      ({ event }) => eventKey(event.orgId, event.requestId),
      async (firsts) => {
        const inserted = await db
          .insertInto('audit_outbox')
          .values(
            firsts.map(({ event, now }) => ({
              org_id: event.orgId,
              request_id: event.requestId,
              operation: event.operation,
              event: JSON.stringify(event),
              status: 'pending' as const,
              attempts: 0,
              available_at: now,
              claim_token: null,
              last_error: null,
              salesforce_id: null,
              created_at: now,
              delivered_at: null,
            })),
          )
          .onConflict((oc) => oc.columns(['org_id', 'request_id']).doNothing())
          .returning(['org_id', 'request_id'])
          .execute();
        return inserted.map((row) => eventKey(row.org_id, row.request_id));
      },
    );
  }

  /** Whether the tenant has an event with this request id (in any state). */
  async has(orgId: string, requestId: string): Promise<boolean> {
    const row = await this.store.db
      .selectFrom('audit_outbox')
      .select('request_id')
      .where('org_id', '=', orgId)
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Tenants with events due now, oldest first. With `batching`, a tenant is due only once it
   * has a full batch or its oldest event has waited `lingerCutoff`: Salesforce API calls are a
   * daily quota, so events that trickle in are sent together.
   */
  async dueTenants(
    now: number,
    limit: number,
    batching?: { fullBatch: number; lingerCutoff: number },
  ): Promise<string[]> {
    let query = this.store.db
      .selectFrom('audit_outbox')
      .select('org_id')
      .select((eb) => eb.fn.min('created_at').as('oldest'))
      .where('status', '=', 'pending')
      .where('available_at', '<=', now)
      .groupBy('org_id')
      .orderBy('oldest')
      .limit(limit);
    if (batching) {
      query = query.having((eb) =>
        eb.or([
          eb(eb.fn.countAll(), '>=', batching.fullBatch),
          eb(eb.fn.min('created_at'), '<=', batching.lingerCutoff),
        ]),
      );
    }
    const rows = await query.execute();
    return rows.map((row) => row.org_id);
  }

  /**
   * Leases up to `limit` due events of one tenant until `now + leaseMs`. A drainer that dies
   * holding a claim simply lets the lease run out; the events are then due again.
   */
  async claim(orgId: string, limit: number, now: number, leaseMs: number): Promise<Claim> {
    const token = randomUUID();
    let due = this.store.db
      .selectFrom('audit_outbox')
      .select('request_id')
      .where('org_id', '=', orgId)
      .where('status', '=', 'pending')
      .where('available_at', '<=', now)
      .orderBy('created_at')
      .orderBy('request_id')
      .limit(limit);
    if (this.store.engine === 'postgres') due = due.forUpdate().skipLocked();
    // The due rows are picked in a CTE: PostgreSQL may re-run a plain IN (…) subquery, and with
    // SKIP LOCKED each run can pick different rows, overshooting the limit.
    const rows = await this.store.db
      .with('due', () => due)
      .updateTable('audit_outbox')
      .set({ available_at: now + leaseMs, claim_token: token })
      .where('org_id', '=', orgId)
      .where('request_id', 'in', (eb) => eb.selectFrom('due').select('due.request_id'))
      .returning(['request_id', 'event', 'attempts', 'created_at'])
      .execute();
    if (rows.length > limit)
      throw new Error(`claim overshot its limit (${rows.length} > ${limit})`);
    rows.sort((a, b) =>
      a.created_at === b.created_at
        ? a.request_id.localeCompare(b.request_id)
        : a.created_at - b.created_at,
    );
    return {
      orgId,
      token,
      events: rows.map((row) => ({
        requestId: row.request_id,
        event: parseEvent(row.event),
        attempts: row.attempts,
      })),
    };
  }

  /**
   * Delivered is final whoever holds the claim: Salesforce has the record, and a second
   * drainer that resends it only updates the same record. One statement for the whole batch
   * (each event's Salesforce id picked by a CASE): the drainer marks up to 200 events a call,
   * and one UPDATE each was one of the two statements every audited request cost the store.
   */
  async markDelivered(
    orgId: string,
    delivered: { requestId: string; salesforceId: string }[],
    now: number,
  ): Promise<void> {
    if (delivered.length === 0) return;
    // The first of two entries for one request id wins, as a row already delivered is final.
    const salesforceIdOf = sql<string>`case request_id ${sql.join(
      delivered.map((item) => sql`when ${item.requestId} then ${item.salesforceId}`),
      sql` `,
    )} end`;
    await this.store.db
      .updateTable('audit_outbox')
      .set((eb) => ({
        status: 'delivered',
        delivered_at: now,
        salesforce_id: salesforceIdOf,
        claim_token: null,
        last_error: null,
        attempts: eb('attempts', '+', 1),
      }))
      .where('org_id', '=', orgId)
      .where(
        'request_id',
        'in',
        delivered.map((item) => item.requestId),
      )
      .where('status', '=', 'pending')
      .execute();
  }

  /** Rejected by Salesforce for their own content: kept aside with the reason until retried. */
  async park(claim: Claim, parked: { requestId: string; error: OutboxError }[]): Promise<void> {
    if (parked.length === 0) return;
    await this.store.transaction(async (tx) => {
      for (const item of parked) {
        await tx
          .updateTable('audit_outbox')
          .set((eb) => ({
            status: 'parked',
            claim_token: null,
            last_error: JSON.stringify(item.error),
            attempts: eb('attempts', '+', 1),
          }))
          .where('org_id', '=', claim.orgId)
          .where('request_id', '=', item.requestId)
          .where('claim_token', '=', claim.token)
          .execute();
      }
    });
  }

  /** Hands claimed events back, due again at `availableAt` (whole-call failure backoff). */
  async release(
    claim: Claim,
    requestIds: string[],
    availableAt: number,
    error: OutboxError,
  ): Promise<void> {
    if (requestIds.length === 0) return;
    await this.store.db
      .updateTable('audit_outbox')
      .set((eb) => ({
        available_at: availableAt,
        claim_token: null,
        last_error: JSON.stringify(error),
        attempts: eb('attempts', '+', 1),
      }))
      .where('org_id', '=', claim.orgId)
      .where('claim_token', '=', claim.token)
      .where('request_id', 'in', requestIds)
      .execute();
  }

  async list(filter: {
    status?: OutboxStatus | OutboxStatus[];
    orgId?: string;
    limit: number;
  }): Promise<OutboxEntry[]> {
    let query = this.store.db
      .selectFrom('audit_outbox')
      .select([
        'org_id',
        'request_id',
        'operation',
        'status',
        'attempts',
        'created_at',
        'available_at',
        'delivered_at',
        'salesforce_id',
        'last_error',
      ])
      .orderBy('created_at')
      .orderBy('request_id')
      .limit(filter.limit);
    if (filter.status)
      query = query.where(
        'status',
        'in',
        Array.isArray(filter.status) ? filter.status : [filter.status],
      );
    if (filter.orgId) query = query.where('org_id', '=', filter.orgId);
    const rows = await query.execute();
    return rows.map((row) => ({
      orgId: row.org_id,
      requestId: row.request_id,
      operation: row.operation,
      status: row.status,
      attempts: row.attempts,
      createdAt: new Date(row.created_at).toISOString(),
      nextAttemptAt: row.status === 'pending' ? new Date(row.available_at).toISOString() : null,
      deliveredAt: row.delivered_at === null ? null : new Date(row.delivered_at).toISOString(),
      salesforceId: row.salesforce_id,
      lastError: parseError(row.last_error),
    }));
  }

  /** Puts parked events (all, one tenant's, or named ones) back in the queue, due now. */
  async retryParked(
    filter: { orgId?: string; requestIds?: string[] },
    now: number,
  ): Promise<number> {
    let query = this.store.db
      .updateTable('audit_outbox')
      .set({ status: 'pending', available_at: now, claim_token: null })
      .where('status', '=', 'parked');
    if (filter.orgId) query = query.where('org_id', '=', filter.orgId);
    if (filter.requestIds?.length) query = query.where('request_id', 'in', filter.requestIds);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async purgeDelivered(deliveredBefore: number): Promise<number> {
    const result = await this.store.db
      .deleteFrom('audit_outbox')
      .where('status', '=', 'delivered')
      // Implied by the next line (an event is delivered after it was created), and lets the
      // (status, created_at) index skip the recent rows the retention keeps.
      .where('created_at', '<', deliveredBefore)
      .where('delivered_at', '<', deliveredBefore)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Parked events per error code (the code in `last_error`), for /metrics. */
  async parkedByCode(): Promise<Map<string, number>> {
    const rows = await this.store.db
      .selectFrom('audit_outbox')
      .select(['last_error', sql<number>`count(*)`.as('n')])
      .where('status', '=', 'parked')
      .groupBy('last_error')
      .execute();
    const counts = new Map<string, number>();
    for (const row of rows) {
      const code = parseError(row.last_error)?.code ?? 'UNKNOWN';
      counts.set(code, (counts.get(code) ?? 0) + Number(row.n));
    }
    return counts;
  }

  async stats(): Promise<OutboxStats> {
    const rows = await this.store.db
      .selectFrom('audit_outbox')
      .select([
        'status',
        sql<number>`count(*)`.as('n'),
        sql<number | null>`min(created_at)`.as('oldest'),
      ])
      .where('status', 'in', ['pending', 'parked'])
      .groupBy('status')
      .execute();
    const byStatus = new Map(rows.map((row) => [row.status, row]));
    const pending = byStatus.get('pending');
    return {
      pending: Number(pending?.n ?? 0),
      parked: Number(byStatus.get('parked')?.n ?? 0),
      oldestPendingCreatedAt:
        pending?.oldest === null || pending?.oldest === undefined ? null : Number(pending.oldest),
    };
  }
}

const eventKey = (orgId: string, requestId: string) => `${orgId}\n${requestId}`;

function parseEvent(raw: string): AuditEvent | undefined {
  try {
    return JSON.parse(raw) as AuditEvent;
  } catch {
    return undefined;
  }
}
