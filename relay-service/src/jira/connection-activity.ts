import type { Logger } from 'pino';
import type { Clock } from '../lib/clock';
import { AppError, type ErrorCode } from '../lib/errors';
import {
  recordConnectionActivity,
  type ConnectionActivityValues,
} from '../store/connection-repository';
import type { Store } from '../store/store';

/**
 * What each connection's Jira calls did lately: the last that worked and the last that failed
 * for the connection's sake (credentials, reachability, Jira's limits), for the health check.
 *
 * The relay serves hundreds of calls at once, so a call never waits for the store: calls are
 * noted in memory, and an instance writes a connection's activity at most once a minute, or at
 * once when the connection turns from working to failing or back. Every instance thus sees the
 * others' activity within a minute, and a change of state at once.
 */

/** Failures that say something about the connection; the others are about one request. */
const CONNECTION_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'JIRA_UNAUTHORIZED',
  'JIRA_UNAVAILABLE',
  'JIRA_RATE_LIMITED',
  'CONNECTION_NEEDS_REAUTH',
  'SCOPE_MISSING',
  'UPSTREAM_HOST_FORBIDDEN',
]);

/**
 * Answers Jira gave that say nothing about the connection (a 404, a validation error): Jira
 * was reached and took the credentials, so they count as a working call.
 */
const JIRA_ANSWERED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'JIRA_NOT_FOUND',
  'JIRA_VALIDATION',
  'JIRA_FORBIDDEN',
]);

export const ACTIVITY_WRITE_INTERVAL_MS = 60_000;

type State = 'ok' | 'error';

interface Entry extends ConnectionActivityValues {
  written: { state: State | undefined; at: number };
  writing: Promise<void> | undefined;
}

const stateOf = (activity: ConnectionActivityValues): State | undefined => {
  if (activity.lastError && activity.lastError.at >= (activity.lastSuccessAt ?? -Infinity))
    return 'error';
  return activity.lastSuccessAt === null ? undefined : 'ok';
};

const keyOf = (orgId: string, name: string) => `${orgId}\u0000${name}`;

export class ConnectionActivity {
  private readonly entries = new Map<string, Entry & { orgId: string; name: string }>();

  constructor(
    private readonly deps: {
      store: Store;
      clock: Clock;
      logger: Pick<Logger, 'warn'>;
      intervalMs?: number;
    },
  ) {}

  /** Notes how one call of the connection ended (`error` undefined: it worked). */
  note(orgId: string, name: string, error?: unknown): void {
    const now = this.deps.clock.now();
    const entry = this.entry(orgId, name);
    if (error === undefined) {
      entry.lastSuccessAt = now;
    } else {
      const code = error instanceof AppError ? error.code : undefined;
      if (code !== undefined && JIRA_ANSWERED.has(code)) {
        entry.lastSuccessAt = now;
      } else if (code !== undefined && CONNECTION_FAILURES.has(code)) {
        entry.lastError = { code, at: now };
      } else {
        return;
      }
    }
    this.writeIfDue(entry);
  }

  /** This instance's activity for the connection merged with what the store holds. */
  merged(
    orgId: string,
    name: string,
    stored: {
      last_success_at: number | null;
      last_error_code: string | null;
      last_error_at: number | null;
    },
  ): ConnectionActivityValues {
    const local = this.entries.get(keyOf(orgId, name));
    const storedError =
      stored.last_error_code !== null && stored.last_error_at !== null
        ? { code: stored.last_error_code, at: stored.last_error_at }
        : null;
    const lastError =
      local?.lastError && (!storedError || local.lastError.at > storedError.at)
        ? local.lastError
        : storedError;
    const successes = [local?.lastSuccessAt ?? null, stored.last_success_at].filter(
      (at): at is number => at !== null,
    );
    return { lastSuccessAt: successes.length ? Math.max(...successes) : null, lastError };
  }

  /** Forgets a connection (deleted or given new credentials). */
  forget(orgId: string, name: string): void {
    this.entries.delete(keyOf(orgId, name));
  }

  /** Resolves once every write under way has ended (shutdown, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.entries.values()].map((entry) => entry.writing));
  }

  private entry(orgId: string, name: string): Entry & { orgId: string; name: string } {
    const key = keyOf(orgId, name);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = {
        orgId,
        name,
        lastSuccessAt: null,
        lastError: null,
        written: { state: undefined, at: Number.NEGATIVE_INFINITY },
        writing: undefined,
      };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private writeIfDue(entry: Entry & { orgId: string; name: string }): void {
    if (entry.writing) return;
    const now = this.deps.clock.now();
    const state = stateOf(entry);
    const interval = this.deps.intervalMs ?? ACTIVITY_WRITE_INTERVAL_MS;
    if (state === entry.written.state && now - entry.written.at < interval) return;
    const values: ConnectionActivityValues = {
      lastSuccessAt: entry.lastSuccessAt,
      lastError: entry.lastError,
    };
    entry.written = { state, at: now };
    let failed = false;
    entry.writing = recordConnectionActivity(this.deps.store.db, entry.orgId, entry.name, values)
      .catch((error: unknown) => {
        // Health shows older activity meanwhile. The attempt counts as the interval's write, so
        // a store that is down gets one attempt a minute (or per change of state), never one
        // per call.
        failed = true;
        this.deps.logger.warn(
          { err: error, connection: entry.name },
          'connection activity not written',
        );
      })
      .finally(() => {
        entry.writing = undefined;
        // A change of state noted while writing is written now rather than a minute later.
        if (!failed && stateOf(entry) !== entry.written.state) this.writeIfDue(entry);
      });
  }
}
