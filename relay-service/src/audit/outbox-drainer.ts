import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import type { AuditDelivery, DeliveryOutcome } from './audit-delivery';
import type { Claim, OutboxError, OutboxRepository } from './outbox-repository';

export interface DrainerSettings {
  batchSize: number;
  pollIntervalMs: number;
  leaseMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** How long a partial batch waits for more events (0: send at once). */
  lingerMs?: number;
  /** Delivered events older than this are deleted (undefined: kept until purged by hand). */
  retentionMs?: number;
  /** How often the loop looks for delivered events past their retention (default 10 minutes). */
  purgeIntervalMs?: number;
  /** [0, 1); injected so tests can pin the jitter. */
  random?: () => number;
}

export interface DrainSummary {
  calls: number;
  delivered: number;
  parked: number;
  failedCalls: number;
}

/**
 * Per-record errors that say "try again" rather than "this value is wrong": such records go
 * back to the queue instead of being parked.
 */
const TRANSIENT_RECORD_ERRORS = new Set(['UNABLE_TO_LOCK_ROW', 'REQUEST_RUNNING_TOO_LONG']);

/**
 * Whole-call refusals of a field the org does not let the relay write (not in its version of
 * the package, or hidden from the integration user by field-level security). Every record
 * carries every field, so the same batch would be refused on every retry: it is parked with the
 * reason instead, and `outbox retry` sends it once the org is fixed. (An unknown object,
 * INVALID_TYPE, is a namespace setting and stays queued: fixing the tenant resumes delivery.)
 */
const REFUSED_FIELD_CALL_ERRORS = new Set(['INVALID_FIELD', 'INVALID_FIELD_FOR_INSERT_UPDATE']);

const DEFAULT_PURGE_INTERVAL_MS = 10 * 60_000;

/** Due tenants looked at per pass; the rest wait for the next pass. */
const TENANTS_PER_PASS = 100;

/**
 * Sends the outbox to Salesforce. One drainer per relay instance: each pass claims, per due
 * tenant, up to 200 events and upserts them in one sObject Collections call. A whole-call
 * failure backs that tenant off (exponential, jittered) without touching other tenants; a
 * rejected record is parked and the rest of its batch is delivered.
 */
export class OutboxDrainer<DeliveryRecord = unknown> {
  private readonly backoff = new Map<string, { failures: number; until: number }>();
  private readonly random: () => number;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wakeUp: (() => void) | undefined;
  private readonly sendLatency = new Histogram({
    name: 'relay_audit_outbox_send_duration_seconds',
    help: 'Salesforce sObject Collections upsert latency by result',
    labelNames: ['result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [],
  });
  private readonly outcomes = new Counter({
    name: 'relay_audit_outbox_events_total',
    help: 'Audit events by send result (delivered, parked, retried)',
    labelNames: ['result'] as const,
    registers: [],
  });
  private readonly purged = new Counter({
    name: 'relay_audit_outbox_purged_total',
    help: 'Delivered audit events deleted after their retention',
    registers: [],
  });
  private lastPurgeAt: number | undefined;

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly delivery: AuditDelivery<DeliveryRecord>,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly settings: DrainerSettings,
  ) {
    this.random = settings.random ?? Math.random;
  }

  /** The drainer's own metrics, for the app's registry (see createHttpMetrics). */
  registerMetrics(registry: Registry): void {
    registry.registerMetric(this.sendLatency);
    registry.registerMetric(this.outcomes);
    registry.registerMetric(this.purged);
    const outbox = this.outbox;
    const clock = this.clock;
    new Gauge({
      name: 'relay_audit_outbox_pending',
      help: 'Audit events waiting to be sent to Salesforce',
      registers: [registry],
      async collect() {
        this.set((await outbox.stats()).pending);
      },
    });
    new Gauge({
      name: 'relay_audit_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest audit event still waiting (0 when none)',
      registers: [registry],
      async collect() {
        const { oldestPendingCreatedAt } = await outbox.stats();
        this.set(
          oldestPendingCreatedAt === null
            ? 0
            : Math.max(0, (clock.now() - oldestPendingCreatedAt) / 1000),
        );
      },
    });
    new Gauge({
      name: 'relay_audit_outbox_parked',
      help: 'Audit events Salesforce rejected, waiting for an operator (outbox retry)',
      registers: [registry],
      async collect() {
        this.set((await outbox.stats()).parked);
      },
    });
    new Gauge({
      name: 'relay_audit_outbox_parked_by_reason',
      help: 'Parked audit events by the error code that parked them (see outbox list --status parked)',
      labelNames: ['code'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const [code, count] of await outbox.parkedByCode()) this.set({ code }, count);
      },
    });
  }

  /**
   * Deletes delivered events older than the retention, at most once per purge interval (the
   * loop calls it after each pass). Answers how many went; 0 without a retention.
   */
  async purgeExpired(options: { force?: boolean } = {}): Promise<number> {
    const retentionMs = this.settings.retentionMs;
    if (retentionMs === undefined) return 0;
    const now = this.clock.now();
    const interval = this.settings.purgeIntervalMs ?? DEFAULT_PURGE_INTERVAL_MS;
    if (!options.force && this.lastPurgeAt !== undefined && now - this.lastPurgeAt < interval)
      return 0;
    this.lastPurgeAt = now;
    const count = await this.outbox.purgeDelivered(now - retentionMs);
    if (count > 0) {
      this.purged.inc(count);
      this.logger.info({ purged: count, retentionMs }, 'delivered audit events purged');
    }
    return count;
  }

  /** Starts the background loop. Idempotent. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  /** Asks a sleeping loop to look again now (e.g. after events were recorded). */
  wake(): void {
    this.wakeUp?.();
  }

  /**
   * Stops the loop, then keeps sending what is due until nothing is left or `flushWithinMs`
   * has passed. Claims still in flight at the bound are abandoned: their lease runs out and
   * the next start sends them (upsert makes the resend harmless).
   */
  async stop(options: { flushWithinMs?: number } = {}): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.wakeUp?.();
      await this.running;
      this.running = undefined;
    }
    const bound = options.flushWithinMs ?? 0;
    if (bound <= 0) return;
    const deadline = Date.now() + bound;
    const flush = (async () => {
      while (Date.now() < deadline) {
        const summary = await this.drainOnce({ flush: true });
        if (summary.calls === 0 || summary.failedCalls > 0) return;
      }
    })().catch((error: unknown) => this.logger.warn({ err: error }, 'audit flush failed'));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), bound);
    });
    if ((await Promise.race([flush, timedOut])) === 'timeout')
      this.logger.warn(
        { boundMs: bound },
        'audit flush cut at the shutdown bound; the rest is sent after restart',
      );
    clearTimeout(timer);
  }

  /**
   * One pass: a batch for each due tenant that is not backing off. `flush` sends partial
   * batches without waiting for them to fill (shutdown).
   */
  async drainOnce(options: { flush?: boolean } = {}): Promise<DrainSummary> {
    const summary: DrainSummary = { calls: 0, delivered: 0, parked: 0, failedCalls: 0 };
    const now = this.clock.now();
    const lingerMs = options.flush ? 0 : (this.settings.lingerMs ?? 0);
    const batching =
      lingerMs > 0 ? { fullBatch: this.batchSize, lingerCutoff: now - lingerMs } : undefined;
    for (const orgId of await this.outbox.dueTenants(now, TENANTS_PER_PASS, batching)) {
      const backoff = this.backoff.get(orgId);
      if (backoff && backoff.until > now) continue;
      const claim = await this.outbox.claim(orgId, this.batchSize, now, this.settings.leaseMs);
      if (claim.events.length === 0) continue;
      await this.sendClaim(claim, summary);
    }
    return summary;
  }

  private get batchSize(): number {
    return Math.min(this.settings.batchSize, this.delivery.maxRecordsPerCall);
  }

  private async sendClaim(claim: Claim, summary: DrainSummary): Promise<void> {
    const unreadable = claim.events.filter((e) => e.event === undefined);
    await this.outbox.park(
      claim,
      unreadable.map((e) => ({
        requestId: e.requestId,
        error: { code: 'UNREADABLE_EVENT', message: 'The stored event is not valid JSON.' },
      })),
    );
    summary.parked += unreadable.length;
    // A stored event the mapper cannot turn into a record (say, an impossible date) is parked
    // alone; it must not hold back its tenant's other events.
    const sendable: { requestId: string; record: DeliveryRecord }[] = [];
    const unmappable: { requestId: string; error: OutboxError }[] = [];
    for (const entry of claim.events) {
      if (!entry.event) continue;
      try {
        sendable.push({ requestId: entry.requestId, record: this.delivery.toRecord(entry.event) });
      } catch (error) {
        unmappable.push({
          requestId: entry.requestId,
          error: {
            code: 'UNREADABLE_EVENT',
            message: `The stored event cannot be mapped to an audit record: ${error instanceof Error ? error.message : String(error)}`,
          },
        });
      }
    }
    await this.outbox.park(claim, unmappable);
    summary.parked += unmappable.length;
    if (sendable.length === 0) return;

    summary.calls += 1;
    const started = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
    let results: DeliveryOutcome[];
    try {
      results = await this.delivery.upsertAuditRecords(
        claim.orgId,
        sendable.map((e) => e.record),
      );
    } catch (error) {
      this.sendLatency.observe({ result: 'failed' }, elapsed());
      const failure = describeFailure(error);
      if (REFUSED_FIELD_CALL_ERRORS.has(failure.code)) {
        await this.parkRefusedBatch(claim, sendable, failure, summary);
        return;
      }
      summary.failedCalls += 1;
      const retryAt = this.backOff(claim.orgId);
      await this.outbox.release(
        claim,
        sendable.map((e) => e.requestId),
        retryAt,
        failure,
      );
      this.outcomes.inc({ result: 'retried' }, sendable.length);
      this.logger.warn(
        {
          orgId: claim.orgId,
          code: failure.code,
          events: sendable.length,
          retryInMs: retryAt - this.clock.now(),
        },
        `audit write-back failed: ${failure.message}`,
      );
      return;
    }
    this.sendLatency.observe({ result: 'ok' }, elapsed());
    this.backoff.delete(claim.orgId);

    const delivered: { requestId: string; salesforceId: string }[] = [];
    const parked: { requestId: string; error: OutboxError }[] = [];
    const retry: string[] = [];
    sendable.forEach((entry, index) => {
      const result = results[index] as DeliveryOutcome;
      if (result.success) {
        delivered.push({ requestId: entry.requestId, salesforceId: result.id });
        return;
      }
      const first = result.errors[0];
      if (first && TRANSIENT_RECORD_ERRORS.has(first.statusCode)) {
        retry.push(entry.requestId);
        return;
      }
      parked.push({
        requestId: entry.requestId,
        error: {
          code: first?.statusCode ?? 'UNKNOWN',
          message: result.errors.map((e) => e.message).join('; ') || 'rejected without a reason',
          fields: result.errors.flatMap((e) => e.fields),
        },
      });
    });
    const now = this.clock.now();
    await this.outbox.markDelivered(claim.orgId, delivered, now);
    await this.outbox.park(claim, parked);
    await this.outbox.release(claim, retry, now + this.settings.backoffBaseMs, {
      code: 'RETRY',
      message: 'Salesforce asked to retry these records.',
    });
    summary.delivered += delivered.length;
    summary.parked += parked.length;
    this.outcomes.inc({ result: 'delivered' }, delivered.length);
    if (parked.length) {
      this.outcomes.inc({ result: 'parked' }, parked.length);
      this.logger.warn(
        {
          orgId: claim.orgId,
          parked: parked.map((p) => ({
            requestId: p.requestId,
            code: p.error.code,
            fields: p.error.fields,
          })),
        },
        'audit events rejected by Salesforce were parked; fix and run outbox retry',
      );
    }
    if (retry.length) this.outcomes.inc({ result: 'retried' }, retry.length);
  }

  private async parkRefusedBatch(
    claim: Claim,
    sendable: { requestId: string }[],
    failure: OutboxError,
    summary: DrainSummary,
  ): Promise<void> {
    const field = refusedField(failure.message);
    const error: OutboxError = { ...failure, ...(field ? { fields: [field] } : {}) };
    await this.outbox.park(
      claim,
      sendable.map((e) => ({ requestId: e.requestId, error })),
    );
    summary.parked += sendable.length;
    this.outcomes.inc({ result: 'parked' }, sendable.length);
    this.logger.warn(
      { orgId: claim.orgId, code: error.code, fields: error.fields, events: sendable.length },
      'the org refused a field of the audit record; the batch was parked: fix the field (package version, field-level security) and run outbox retry',
    );
  }

  /** Next attempt time for a tenant after one more whole-call failure ("equal jitter"). */
  private backOff(orgId: string): number {
    const failures = (this.backoff.get(orgId)?.failures ?? 0) + 1;
    const ceiling = Math.min(
      this.settings.backoffMaxMs,
      this.settings.backoffBaseMs * 2 ** Math.min(failures - 1, 30),
    );
    const delay = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    const until = this.clock.now() + delay;
    this.backoff.set(orgId, { failures, until });
    return until;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let busy = false;
      try {
        const summary = await this.drainOnce();
        // A call without failures may have left a full tenant behind: look again at once.
        busy = summary.calls > 0 && summary.failedCalls < summary.calls;
      } catch (error) {
        this.logger.error({ err: error }, 'audit outbox pass failed');
      }
      try {
        await this.purgeExpired();
      } catch (error) {
        this.logger.warn({ err: error }, 'purge of delivered audit events failed');
      }
      if (!busy && !this.stopped) await this.sleep(this.settings.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }
}

/** Salesforce names the refused field only in the message: "No such column 'X' on …". */
function refusedField(message: string): string | undefined {
  return /No such column '([A-Za-z0-9_]+)'/.exec(message)?.[1];
}

function describeFailure(error: unknown): OutboxError {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return { code: error.code, message: error instanceof Error ? error.message : error.code };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}
