import { randomUUID } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { TurnBatch } from '../lib/turn-batch';
import type { Db } from '../store/store';
import type { AuditEvent, AuditSink } from './audit-event';
import type { OutboxRepository } from './outbox-repository';

const REQUEST_ID = /^.{1,64}$/su;
// Rows per INSERT: at 12 bound parameters a row, 200 rows stay far below SQLite's and
// PostgreSQL's limits.
const MAX_BATCH = 200;

/**
 * The durable audit sink: each event becomes an outbox row, in the caller's transaction when
 * one is given, so the event commits (or rolls back) with the outcome it describes. Events
 * without a transaction (views, comments, refusals) that arrive in the same event-loop turn
 * are written by one INSERT: a commit per request was most of the store's work under load.
 *
 * Request ids are made by the relay and unique, so two events with one id mean a bug or an
 * attack (an operation hiding behind an earlier one's id). Such a collision is an error that
 * is logged and counted (relay_audit_event_id_collisions_total), and the later event is still
 * kept, under a fresh id named in the log line: no operation ever goes unaudited.
 */
export class OutboxAuditSink implements AuditSink {
  private readonly collisions = new Counter({
    name: 'relay_audit_event_id_collisions_total',
    help: 'Audit events whose request id was already queued for the tenant (kept under a fresh id)',
    labelNames: ['operation'] as const,
    registers: [],
  });
  private readonly untransacted = new TurnBatch<{ event: AuditEvent; now: number }, boolean>(
    (entries) => this.outbox.enqueueAll(entries),
    MAX_BATCH,
  );

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly clock: Clock,
    /** The tenant's view-audit setting (cached by the tenant service: Views are frequent). */
    private readonly auditsViews: (orgId: string) => Promise<boolean>,
    private readonly logger: Logger,
  ) {}

  /** The sink's own metrics, for the app's registry (see createHttpMetrics). */
  registerMetrics(registry: Registry): void {
    registry.registerMetric(this.collisions);
  }

  async record(event: AuditEvent, tx?: Db): Promise<void> {
    // A bad id would fail the caller's whole transaction in PostgreSQL; say why instead.
    if (!REQUEST_ID.test(event.requestId))
      throw new Error(
        `audit event request id must be 1–64 characters (got ${event.requestId.length})`,
      );
    if (!(await this.isAudited(event))) return;
    const now = this.clock.now();
    const enqueue = (queued: AuditEvent) =>
      tx ? this.outbox.enqueue(queued, now, tx) : this.untransacted.submit({ event: queued, now });
    if (await enqueue(event)) return;

    const keptAs = randomUUID();
    this.collisions.inc({ operation: event.operation });
    this.logger.error(
      {
        requestId: event.requestId,
        keptAs,
        orgId: event.orgId,
        operation: event.operation,
        outcome: event.outcome,
      },
      'audit event id collision: an event with this request id was already queued; this one is kept under a fresh id',
    );
    // A fresh UUID cannot collide; should it ever, the error is not swallowed.
    if (!(await enqueue({ ...event, requestId: keptAs })))
      throw new Error(`audit event ${keptAs} collided twice`);
  }

  has(event: AuditEvent): Promise<boolean> {
    return this.outbox.has(event.orgId, event.requestId);
  }

  /**
   * Reads are frequent and change nothing, so a View is audited only when the tenant asked for
   * it; every mutation and every denial (of a View too) is always audited.
   */
  private async isAudited(event: AuditEvent): Promise<boolean> {
    if (event.operation !== 'View' || event.outcome === 'Denied') return true;
    return this.auditsViews(event.orgId);
  }
}
