import type { Clock } from '../lib/clock';
import type { Db, Store } from '../store/store';
import type { AuditEvent, AuditSink } from './audit-event';
import type { OutboxRepository } from './outbox-repository';

const REQUEST_ID = /^.{1,64}$/su;

/**
 * The durable audit sink: each event becomes an outbox row, in the caller's transaction when
 * one is given, so the event commits (or rolls back) with the outcome it describes.
 */
export class OutboxAuditSink implements AuditSink {
  constructor(
    private readonly store: Store,
    private readonly outbox: OutboxRepository,
    private readonly clock: Clock,
    /** The tenant's view-audit setting (cached by the tenant service: Views are frequent). */
    private readonly auditsViews: (orgId: string) => Promise<boolean>,
  ) {}

  async record(event: AuditEvent, tx?: Db): Promise<void> {
    // A bad id would fail the caller's whole transaction in PostgreSQL; say why instead.
    if (!REQUEST_ID.test(event.requestId))
      throw new Error(
        `audit event request id must be 1–64 characters (got ${event.requestId.length})`,
      );
    if (!(await this.isAudited(event))) return;
    await this.outbox.enqueue(event, this.clock.now(), tx ?? this.store.db);
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
