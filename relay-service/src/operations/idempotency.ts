import { createHash } from 'node:crypto';
import { AppError } from '../lib/errors';
import type { Clock } from '../lib/clock';
import type { Db, Store } from '../store/store';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * `abandoned`: an earlier attempt under this key stopped (its lease ran out) without recording
 * an outcome; it may have changed Jira. The caller now holds the key and decides what to do —
 * for a create, answering "outcome unknown" rather than risking a duplicate.
 */
export type IdempotentStart =
  { kind: 'started' } | { kind: 'replay'; response: StoredResponse } | { kind: 'abandoned' };

export interface IdempotencyOptions {
  /** How long a finished response is replayed. */
  retentionMs: number;
  /** How long an attempt holds the key before another may take over (a crashed attempt). */
  leaseMs: number;
}

const DEFAULTS: IdempotencyOptions = { retentionMs: 24 * 60 * 60 * 1000, leaseMs: 2 * 60 * 1000 };

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{8,255}$/;

/** JSON with object keys sorted, so that the same request always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const inFlight = (retryAfter: number) =>
  new AppError(
    'IDEMPOTENCY_IN_FLIGHT',
    'A request with this Idempotency-Key is still in progress; retry shortly.',
    { retryAfter },
  );

export function requestFingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

/**
 * Exactly-once handling of a request under an Idempotency-Key, kept in the store so that it
 * holds across relay instances: the first attempt runs, a retry with the same body gets the
 * first answer, a retry with another body is a conflict, and a retry while the first is still
 * running is told to wait.
 */
export class IdempotencyStore {
  private readonly options: IdempotencyOptions;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    options: Partial<IdempotencyOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  async begin(
    orgId: string,
    scope: string,
    key: string,
    fingerprint: string,
  ): Promise<IdempotentStart> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const now = this.clock.now();
      // A fresh attempt holding the key, for a new record or one taken over.
      const attemptRow = {
        state: 'in_flight' as const,
        response_status: null,
        response_body: null,
        lease_until: now + this.options.leaseMs,
        created_at: now,
        expires_at: now + this.options.retentionMs,
      };
      const inserted = await this.store.db
        .insertInto('idempotency_records')
        .values({ org_id: orgId, scope, idempotency_key: key, fingerprint, ...attemptRow })
        .onConflict((oc) => oc.columns(['org_id', 'scope', 'idempotency_key']).doNothing())
        .returning('idempotency_key')
        .executeTakeFirst();
      if (inserted) return { kind: 'started' };

      const existing = await this.store.db
        .selectFrom('idempotency_records')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('scope', '=', scope)
        .where('idempotency_key', '=', key)
        .executeTakeFirst();
      if (!existing) continue; // removed in between; try to insert again
      if (existing.fingerprint !== fingerprint) {
        throw new AppError(
          'IDEMPOTENCY_CONFLICT',
          'This Idempotency-Key was already used for a different request. Use a new key for a new action.',
        );
      }
      if (existing.state === 'done' && existing.expires_at > now) {
        return {
          kind: 'replay',
          response: {
            status: existing.response_status ?? 200,
            body: JSON.parse(existing.response_body ?? 'null') as unknown,
          },
        };
      }
      const takeover =
        existing.state === 'done' ? existing.expires_at <= now : existing.lease_until <= now;
      if (!takeover) {
        const retryAfter = Math.max(1, Math.ceil((existing.lease_until - now) / 1000));
        throw inFlight(Math.min(retryAfter, 5));
      }
      // An expired record or a crashed attempt: take the key over, but only if nobody else did.
      const taken = await this.store.db
        .updateTable('idempotency_records')
        .set(attemptRow)
        .where('org_id', '=', orgId)
        .where('scope', '=', scope)
        .where('idempotency_key', '=', key)
        .where('lease_until', '=', existing.lease_until)
        .where('state', '=', existing.state)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1)
        return existing.state === 'in_flight' ? { kind: 'abandoned' } : { kind: 'started' };
    }
    throw inFlight(1);
  }

  /** Stores the answer to replay. Pass the operation's transaction to commit it with the outcome. */
  async complete(
    orgId: string,
    scope: string,
    key: string,
    response: StoredResponse,
    db: Db = this.store.db,
  ): Promise<void> {
    await db
      .updateTable('idempotency_records')
      .set({
        state: 'done',
        response_status: response.status,
        response_body: JSON.stringify(response.body),
      })
      .where('org_id', '=', orgId)
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .execute();
  }

  /**
   * Runs `work` while renewing this attempt's lease, so a long attempt (files streamed to Jira
   * after a create) is not mistaken for a crashed one and answered "outcome unknown" to a retry.
   * A crash stops the renewals, and the lease runs out as it would have.
   */
  async holdWhile<T>(
    orgId: string,
    scope: string,
    key: string,
    work: () => Promise<T>,
  ): Promise<T> {
    const renew = async () => {
      await this.store.db
        .updateTable('idempotency_records')
        .set({ lease_until: this.clock.now() + this.options.leaseMs })
        .where('org_id', '=', orgId)
        .where('scope', '=', scope)
        .where('idempotency_key', '=', key)
        // Once the key is closed (by this attempt or a retry that took it over) nothing is held.
        .where('state', '=', 'in_flight')
        .execute();
    };
    const timer = setInterval(() => {
      renew().catch(() => {
        // A store outage: the next tick tries again; the lease itself bounds the damage.
      });
    }, this.options.leaseMs / 3);
    timer.unref();
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Frees the key after an attempt that certainly changed nothing, so a retry runs again. */
  async release(orgId: string, scope: string, key: string, db: Db = this.store.db): Promise<void> {
    await db
      .deleteFrom('idempotency_records')
      .where('org_id', '=', orgId)
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .where('state', '=', 'in_flight')
      .execute();
  }

  async purgeExpired(): Promise<number> {
    const result = await this.store.db
      .deleteFrom('idempotency_records')
      .where('expires_at', '<', this.clock.now())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
