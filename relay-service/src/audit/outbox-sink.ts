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
  ) {}

  async record(event: AuditEvent, tx?: Db): Promise<void> {
    // A bad id would fail the caller's whole transaction in PostgreSQL; say why instead.
    if (!REQUEST_ID.test(event.requestId))
      throw new Error(
        `audit event request id must be 1–64 characters (got ${event.requestId.length})`,
      );
    const db = tx ?? this.store.db;
    if (!(await this.isAudited(event, db))) return;
    await this.outbox.enqueue(event, this.clock.now(), db);
  }

  /**
   * Reads are frequent and change nothing, so a View is audited only when the tenant asked for
   * it; every mutation and every denial (of a View too) is always audited.
   */
  private async isAudited(event: AuditEvent, db: Db): Promise<boolean> {
    if (event.operation !== 'View' || event.outcome === 'Denied') return true;
    const tenant = await db
      .selectFrom('tenants')
      .select('audit_views')
      .where('org_id', '=', event.orgId)
      .executeTakeFirst();
    return Boolean(tenant?.audit_views);
  }
}
