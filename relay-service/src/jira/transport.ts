import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { request as undiciRequest, type Dispatcher } from 'undici';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import { forbiddenCause, upstreamForbidden, UpstreamGuard } from '../lib/upstream-guard';
import type { CallKind, CallOutcome } from './adaptive-limit';
import type { AuthStrategy } from './auth/auth-strategy';
import { CallSlots, NoSlotError, type Slot } from './call-slots';
import { jiraError, jiraUnavailable, jiraUnreachable, unsendableRequest } from './jira-errors';
import { ReadCoalescer } from './read-coalescer';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

export interface JiraRequest {
  method: HttpMethod;
  /** Path below the connection's API base, e.g. `/rest/api/3/myself`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * Whether sending the request twice is harmless. Defaults to true for GET, PUT and DELETE and
   * false for POST; read-only POSTs (search) pass true.
   */
  idempotent?: boolean;
  /** OAuth scopes the call needs; a connection without them fails SCOPE_MISSING before any call. */
  scopes?: readonly string[];
  /**
   * The issue a write touches (Jira's per-issue write limit then slows writes to that issue
   * only), or the one issue a read is about (its answer is then shared only until a write to
   * that issue; a read without one stops being shared after any write).
   */
  issueKey?: string;
  /** A POST that changes nothing (search): neither a write nor shared between callers. */
  readOnly?: boolean;
  /** Atlassian quota points the call costs, when more than the usual (see app-quota.ts). */
  points?: number;
  /**
   * Error statuses returned as responses instead of thrown, for endpoints whose error answer
   * carries data the caller needs (bulk create answers 400 with per-issue errors).
   */
  acceptStatuses?: readonly number[];
  /**
   * A body streamed as it is read (a file upload) instead of `body`. It can be read once only,
   * so such a request is sent once: no retry, not even after a 401 or 429.
   */
  upload?: { contentType: string; contentLength?: number; body: AsyncIterable<Uint8Array> };
  /** Request headers besides those the transport sets (e.g. `X-Atlassian-Token`). */
  headers?: Record<string, string>;
  /** Bound on this request instead of `totalTimeoutMs` (an upload of a large file). */
  timeoutMs?: number;
}

export interface JiraResponse {
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON, the raw text when Jira did not send JSON, or undefined when empty. */
  body: unknown;
}

/** The one way every Jira endpoint function talks to Jira. */
export type Send = (request: JiraRequest) => Promise<JiraResponse>;

export interface TransportSettings {
  connectTimeoutMs: number;
  /** Bound on one send, retries and waits included. */
  totalTimeoutMs: number;
  /** Attempts for one request (first try included) on retryable failures. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After the relay waits out itself; longer ones go back to the caller. */
  maxRetryAfterMs: number;
  /**
   * Ceiling of the calls in flight at once on one connection. The limit itself adapts to how
   * Jira answers (adaptive-limit.ts), between `minConcurrent` and this.
   */
  maxConcurrent: number;
  /** Floor of the adaptive limit. */
  minConcurrent: number;
  /** Where a connection's limit starts. */
  initialConcurrent: number;
  /**
   * Longest wait for a slot (or for a pause Jira asked for) before the caller is answered
   * SERVICE_UNAVAILABLE or JIRA_RATE_LIMITED with Retry-After; nothing is sent then.
   */
  maxQueueWaitMs: number;
  /** Longest wait for a client's in-flight requests on close; then they are cut. */
  closeTimeoutMs: number;
}

export const defaultTransportSettings: TransportSettings = {
  connectTimeoutMs: 5_000,
  totalTimeoutMs: 30_000,
  maxAttempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxRetryAfterMs: 20_000,
  maxConcurrent: 256,
  minConcurrent: 4,
  initialConcurrent: 32,
  maxQueueWaitMs: 1_000,
  closeTimeoutMs: 5_000,
};

/** What a transport reports for the relay's metrics. */
export interface TransportObserver {
  /** A read shared another caller's Jira call (one call saved). */
  coalesced(): void;
  /** A caller was answered without a call: no slot within the wait budget, or over quota. */
  refused(code: 'SERVICE_UNAVAILABLE' | 'JIRA_RATE_LIMITED'): void;
}

/**
 * The Atlassian app quota the connection draws on (OAuth connections; see app-quota.ts).
 * `charge` throws JIRA_RATE_LIMITED when the tenant must wait; nothing is sent then.
 */
export interface QuotaGate {
  charge(request: JiraRequest): void;
  /** Jira refused a call because the app as a whole is over its quota. */
  appOverQuota(waitMs: number): void;
}

export interface TransportDeps {
  /** The connection's API base URL (no trailing slash). */
  baseUrl: string;
  auth: AuthStrategy;
  dispatcher: Dispatcher;
  settings: TransportSettings;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  logger?: Logger;
  /**
   * Called when the HTTP client refused a request as malformed. undici then may keep a
   * connection slot of the dispatcher taken for good, so its owner replaces the dispatcher.
   */
  onDispatcherFault?: () => void;
  observer?: TransportObserver;
  quota?: QuotaGate;
  /**
   * Reads shared across a connection's transports (its own account's and its users' grants),
   * so that a write through any of them ends the sharing of reads it may have changed. Only
   * callers of one `scope` (one set of credentials) share an answer. Without it, the
   * transport's reads are its own.
   */
  reads?: { coalescer: ReadCoalescer<JiraResponse>; scope: string };
  /** How late the relay's own event loop runs (see AdaptiveLimitSettings.relayDelayMs). */
  relayDelayMs?: () => number;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
// Failures that happen before a byte of the request left: retrying them cannot duplicate a write.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
// Transient network failures worth another attempt (on idempotent requests). Anything else —
// a certificate Jira's host does not have, an unknown failure — fails the same way again.
const TRANSIENT_CODES = new Set([
  ...NOT_SENT_CODES,
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
// The HTTP client refusing the request itself: a bug or bad data in the relay, never the
// network. Sending it again fails again (and each try may leak a connection slot in undici).
const MALFORMED_REQUEST_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_INVALID_URL',
]);

// undici's own rules (RFC 9110 token and field-value), checked before it is asked to send.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

/** The first header an HTTP client would refuse to send, if any. */
export function unsendableHeader(headers: Record<string, string>): string | undefined {
  return Object.entries(headers).find(
    ([name, value]) => !HEADER_NAME.test(name) || INVALID_HEADER_VALUE.test(value),
  )?.[0];
}

function isMalformedRequest(error: unknown): boolean {
  const code = errorCodeOf(error);
  if (code !== undefined) return MALFORMED_REQUEST_CODES.has(code);
  return error instanceof TypeError || error instanceof RangeError;
}

/**
 * True when a failed send certainly never reached Jira (the connection was refused or never
 * made), so even a non-idempotent write may be attempted again.
 */
export function wasNeverSent(error: unknown): boolean {
  const cause = error instanceof AppError ? error.cause : error;
  // Refused in the relay: no slot within the wait budget, or the tenant over its quota share.
  if (cause instanceof NoSlotError || cause instanceof HeldBack) return true;
  // The HTTP client refused to send it at all.
  if (error instanceof AppError && error.code === 'INTERNAL') return isMalformedRequest(cause);
  if (error instanceof AppError && error.code !== 'JIRA_UNAVAILABLE') return false;
  const code = errorCodeOf(cause);
  return code !== undefined && NOT_SENT_CODES.has(code);
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const nested = (current as { errors?: unknown[] }).errors?.[0];
    current = nested ?? (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Retry-After as seconds or an HTTP date, in milliseconds from now. */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The cause of a refusal before sending: Jira asked for a pause, or the quota share is used up. */
export class HeldBack extends Error {
  constructor(readonly why: 'paused' | 'quota') {
    super(why === 'paused' ? 'connection paused by Jira' : 'tenant over its quota share');
    this.name = 'HeldBack';
  }
}

// Jira's answers that say it is overloaded: the adaptive limit halves on them.
const OVERLOAD_STATUS = new Set([429, 503, 504]);
// How long after a 429 a full queue is still blamed on Jira's rate limit rather than load.
const RATE_LIMIT_MEMORY_MS = 60_000;
// Share of a request's time bound an attempt must still have after waiting out a pause. One
// started with a few ms left times out, and a write that times out may have reached Jira: a
// clean "rate limited, nothing sent" would become "outcome unknown, check Jira".
const MIN_ATTEMPT_SHARE = 0.25;

/** How Jira's limits hold a connection back now (the health check shows it). */
export interface RateLimitState {
  /** `paused`: Jira asked for a pause that has not ended; `slowed`: Jira asked to slow down lately, or its answers lowered the limit below where it started. */
  state: 'normal' | 'slowed' | 'paused';
  /** Epoch ms when the pause ends. */
  until: number | null;
  /** Calls the connection may have in flight now. */
  limit: number;
}

type Attempt = { kind: 'response'; response: JiraResponse } | { kind: 'error'; error: unknown };

/**
 * Sends requests to one Jira connection: auth, timeouts, a concurrency limit, retries where
 * they are safe, Jira's rate limits, and Jira's errors mapped to the contract's codes.
 */
export class JiraTransport {
  readonly slots: CallSlots;
  private readonly reads: ReadCoalescer<JiraResponse>;
  /** Prefixes the URL of a shared read: see TransportDeps.reads. */
  private readonly readScope: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Epoch ms until which the whole connection waits (Jira quota or burst limit). */
  private pausedUntil = 0;
  /** Epoch ms of Jira's last 429 on this connection. */
  private lastRateLimitedAt = Number.NEGATIVE_INFINITY;
  /** Epoch ms until which writes to one issue wait (Jira's per-issue write limit). */
  private readonly issueHolds = new Map<string, number>();
  /** HTTP exchanges under way, and who waits for there to be none. */
  private exchanges = 0;
  private readonly idleWaiters: (() => void)[] = [];
  /** Where the adaptive limit started. */
  private readonly startLimit: number;

  constructor(private readonly deps: TransportDeps) {
    const { minConcurrent, maxConcurrent, initialConcurrent, maxQueueWaitMs } = deps.settings;
    this.slots = new CallSlots({
      min: Math.min(minConcurrent, maxConcurrent),
      max: maxConcurrent,
      initial: initialConcurrent,
      maxWaitMs: maxQueueWaitMs,
      relayDelayMs: deps.relayDelayMs,
    });
    this.reads = deps.reads?.coalescer ?? new ReadCoalescer<JiraResponse>();
    this.readScope = deps.reads ? `${deps.reads.scope}\u0000` : '';
    this.sleep = deps.sleep ?? realSleep;
    this.random = deps.random ?? Math.random;
    this.startLimit = this.slots.limit.current;
  }

  rateLimitState(): RateLimitState {
    const now = this.deps.clock.now();
    const limit = this.slots.limit.current;
    if (this.pausedUntil > now) return { state: 'paused', until: this.pausedUntil, limit };
    const slowed = now - this.lastRateLimitedAt < RATE_LIMIT_MEMORY_MS || limit < this.startLimit;
    return { state: slowed ? 'slowed' : 'normal', until: null, limit };
  }

  /**
   * GETs asking for the same URL while one is under way share its answer (read-coalescer.ts);
   * a write, answered or failed, ends the sharing of reads it may have changed.
   */
  readonly send: Send = (request) => {
    if (request.method === 'GET') {
      const url = this.urlOf(request);
      const { promise, joined } = this.reads.run(this.readScope + url.href, request.issueKey, () =>
        this.sendOnce(request, url),
      );
      if (joined) this.deps.observer?.coalesced();
      return promise;
    }
    if (request.readOnly) return this.sendOnce(request, this.urlOf(request));
    return this.sendOnce(request, this.urlOf(request)).finally(() =>
      this.reads.writeCompleted(request.issueKey),
    );
  };

  private async sendOnce(request: JiraRequest, url: URL): Promise<JiraResponse> {
    const { settings, clock } = this.deps;
    const idempotent = request.idempotent ?? request.method !== 'POST';
    const deadline = performance.now() + (request.timeoutMs ?? settings.totalTimeoutMs);
    // A streamed body is used up by the first attempt: nothing may be sent again.
    const sendsOnce = request.upload !== undefined;
    let failures = 0;
    let reauthorized = false;
    let rateLimited = false;

    for (;;) {
      // A call Jira itself answered 429 waits out Retry-After (up to maxRetryAfterMs); a new
      // call arriving during the pause waits no longer than the queue budget.
      await this.waitForRateLimit(
        request,
        deadline,
        rateLimited ? settings.maxRetryAfterMs : settings.maxQueueWaitMs,
      );
      this.chargeQuota(request);
      const headers: Record<string, string> = { ...request.headers, accept: 'application/json' };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      if (request.upload) {
        headers['content-type'] = request.upload.contentType;
        if (request.upload.contentLength !== undefined)
          headers['content-length'] = String(request.upload.contentLength);
      }
      await this.deps.auth.authorize(headers, request);
      const unsendable = unsendableHeader(headers);
      if (unsendable) throw unsendableRequest(unsendable);

      const attempt = await this.attempt(url, request, headers, deadline);
      if (attempt.kind === 'error') {
        const forbidden = forbiddenCause(attempt.error);
        if (forbidden) throw upstreamForbidden(forbidden.host, forbidden.reason, attempt.error);
        if (isMalformedRequest(attempt.error)) {
          this.deps.onDispatcherFault?.();
          this.deps.logger?.error(
            { err: attempt.error, method: request.method, path: request.path },
            'the HTTP client refused a request to Jira as malformed',
          );
          throw unsendableRequest(undefined, attempt.error);
        }
        const code = errorCodeOf(attempt.error);
        const notSent = code !== undefined && NOT_SENT_CODES.has(code);
        const transient =
          (code !== undefined && TRANSIENT_CODES.has(code)) ||
          (attempt.error as { name?: unknown }).name === 'TimeoutError';
        failures += 1;
        if (
          transient &&
          !sendsOnce &&
          (idempotent || notSent) &&
          (await this.backoff(failures, deadline))
        )
          continue;
        // The caller learns only that Jira could not be reached: which network error it was
        // (refused, unreachable, unknown host, bad certificate) would map the relay's network
        // for whoever chooses the base URL. The operator finds it in the log.
        this.deps.logger?.warn(
          {
            method: request.method,
            path: request.path,
            code,
            reason: (attempt.error as { message?: unknown }).message,
          },
          'jira could not be reached',
        );
        throw jiraUnreachable(!(idempotent || notSent), attempt.error);
      }

      const response = attempt.response;
      this.noteRateLimit(response, request);
      if (response.status >= 200 && response.status < 300) return response;
      if (request.acceptStatuses?.includes(response.status)) return response;

      if (response.status >= 300 && response.status < 400) {
        const location = response.headers.location ?? '';
        if (UpstreamGuard.leavesHost(url, location)) {
          throw upstreamForbidden(
            new URL(location, url).host || 'another host',
            'Jira redirected to another host; the relay never follows such redirects',
          );
        }
        throw jiraUnavailable(
          `Jira answered ${response.status} with a redirect. Check the connection's base URL (scheme, host and context path).`,
        );
      }

      if (response.status === 401 && !reauthorized && !sendsOnce) {
        reauthorized = true;
        const retry = await this.deps.auth.onUnauthorized({
          status: response.status,
          body: response.body,
          refusedAuthorization: headers.authorization ?? '',
        });
        if (retry) continue;
      }

      if (response.status === 429) {
        // Jira rejected the request unprocessed, so sending it again is safe even for a POST.
        failures += 1;
        rateLimited = true;
        const waitMs = Math.max(this.pausedUntil, this.holdFor(request)) - clock.now();
        if (
          !sendsOnce &&
          failures < settings.maxAttempts &&
          waitMs <= settings.maxRetryAfterMs &&
          this.leavesTimeToSend(request, waitMs, deadline)
        )
          continue;
        throw jiraError(429, response.body, { retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) });
      }

      if (RETRYABLE_STATUS.has(response.status) && idempotent && !sendsOnce) {
        failures += 1;
        const hinted = retryAfterMs(response.headers['retry-after'], clock.now());
        if (await this.backoff(failures, deadline, hinted)) continue;
      }
      throw jiraError(response.status, response.body, {
        maybeApplied: !idempotent && response.status >= 500,
      });
    }
  }

  /**
   * Resolves true once no HTTP exchange is under way, or false when that takes longer than
   * `timeoutMs` (the owner then cuts the remaining ones by destroying the dispatcher).
   */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.exchanges === 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private urlOf(request: JiraRequest): URL {
    const url = new URL(this.deps.baseUrl + request.path);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value === undefined) continue;
      url.searchParams.set(name, Array.isArray(value) ? value.join(',') : String(value));
    }
    return url;
  }

  private async attempt(
    url: URL,
    request: JiraRequest,
    headers: Record<string, string>,
    deadline: number,
  ): Promise<Attempt> {
    const slot = await this.takeSlot(deadline);
    const remaining = Math.max(1, Math.round(deadline - performance.now()));
    const started = performance.now();
    const kind: CallKind = request.method === 'GET' || request.readOnly ? 'read' : 'write';
    let outcome: CallOutcome = 'ignore';
    this.exchanges += 1;
    const timeout = timeoutSignal(remaining);
    try {
      const answer = await undiciRequest(url, {
        method: request.method,
        headers,
        body: request.upload
          ? Readable.from(request.upload.body, { objectMode: false })
          : request.body === undefined
            ? undefined
            : JSON.stringify(request.body),
        dispatcher: this.deps.dispatcher,
        headersTimeout: remaining,
        bodyTimeout: remaining,
        signal: timeout.signal,
      });
      const text = await answer.body.text();
      const responseHeaders: Record<string, string> = {};
      for (const [name, value] of Object.entries(answer.headers)) {
        if (value !== undefined)
          responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const body = parseBody(text, responseHeaders['content-type']);
      const status = answer.statusCode;
      outcome = OVERLOAD_STATUS.has(status) ? 'overload' : status < 500 ? 'ok' : 'ignore';
      if (this.deps.logger?.isLevelEnabled('debug')) {
        this.deps.logger.debug(
          {
            method: request.method,
            path: request.path,
            status,
            durationMs: Math.round(performance.now() - started),
          },
          'jira call',
        );
      }
      return { kind: 'response', response: { status, headers: responseHeaders, body } };
    } catch (error) {
      // A call Jira did not answer in time is the clearest sign it is overloaded.
      const code = errorCodeOf(error);
      if (
        (error as { name?: unknown }).name === 'TimeoutError' ||
        code === 'UND_ERR_HEADERS_TIMEOUT' ||
        code === 'UND_ERR_BODY_TIMEOUT'
      )
        outcome = 'overload';
      this.deps.logger?.debug(
        { method: request.method, path: request.path, code },
        'jira call failed',
      );
      return { kind: 'error', error };
    } finally {
      timeout.clear();
      this.slots.release({ kind, outcome, rttMs: performance.now() - started }, slot);
      this.exchanges -= 1;
      if (this.exchanges === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  /**
   * A slot for one call, or at once an answer for the caller when none comes within the wait
   * budget: JIRA_RATE_LIMITED when Jira asked this connection to slow down lately, otherwise
   * SERVICE_UNAVAILABLE. Either way nothing was sent.
   */
  private async takeSlot(deadline: number): Promise<Slot> {
    const budget = Math.min(
      this.deps.settings.maxQueueWaitMs,
      Math.max(0, Math.round(deadline - performance.now())),
    );
    try {
      return await this.slots.acquire(budget);
    } catch (error) {
      if (!(error instanceof NoSlotError)) throw error;
      const now = this.deps.clock.now();
      const { inFlight, queued } = this.slots;
      if (now - this.lastRateLimitedAt < RATE_LIMIT_MEMORY_MS) {
        const retryAfter = Math.max(
          error.retryAfterSeconds,
          Math.ceil((this.pausedUntil - now) / 1000),
        );
        this.deps.observer?.refused('JIRA_RATE_LIMITED');
        throw new AppError(
          'JIRA_RATE_LIMITED',
          `Jira is busy: it asked this connection to slow down and ${inFlight} calls are already under way. Nothing was sent; retry after ${retryAfter} s.`,
          { retryAfter, cause: error },
        );
      }
      this.deps.observer?.refused('SERVICE_UNAVAILABLE');
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        `Jira is busy: this connection has ${inFlight} calls under way and ${queued} waiting. Nothing was sent; retry after ${error.retryAfterSeconds} s.`,
        { retryAfter: error.retryAfterSeconds, cause: error },
      );
    }
  }

  /** Takes the call's points from the tenant's share of the Atlassian app quota (OAuth). */
  private chargeQuota(request: JiraRequest): void {
    if (!this.deps.quota) return;
    try {
      this.deps.quota.charge(request);
    } catch (error) {
      if (error instanceof AppError && error.code === 'JIRA_RATE_LIMITED')
        this.deps.observer?.refused('JIRA_RATE_LIMITED');
      throw error;
    }
  }

  /** Waits before the next attempt; false when no attempt is left or the deadline would pass. */
  private async backoff(failures: number, deadline: number, hintedMs?: number): Promise<boolean> {
    const { settings } = this.deps;
    if (failures >= settings.maxAttempts) return false;
    const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (failures - 1));
    // Equal jitter: spreads retries of many clients while keeping a minimum pause.
    const jittered = ceiling / 2 + this.random() * (ceiling / 2);
    const wait =
      hintedMs !== undefined ? Math.min(hintedMs, settings.maxRetryAfterMs) : Math.round(jittered);
    if (performance.now() + wait >= deadline) return false;
    await this.sleep(wait);
    return true;
  }

  /** Whether, after waiting `waitMs`, an attempt would still have time for Jira's answer. */
  private leavesTimeToSend(request: JiraRequest, waitMs: number, deadline: number): boolean {
    const bound = request.timeoutMs ?? this.deps.settings.totalTimeoutMs;
    return performance.now() + waitMs + bound * MIN_ATTEMPT_SHARE < deadline;
  }

  private holdFor(request: JiraRequest): number {
    if (!request.issueKey || request.method === 'GET') return 0;
    return this.issueHolds.get(request.issueKey) ?? 0;
  }

  /** Waits out a pause Jira asked for; refuses at once when the pause is longer than `maxWaitMs`. */
  private async waitForRateLimit(
    request: JiraRequest,
    deadline: number,
    maxWaitMs: number,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const until = Math.max(this.pausedUntil, this.holdFor(request));
    const wait = until - now;
    if (wait <= 0) return;
    if (wait > maxWaitMs || !this.leavesTimeToSend(request, wait, deadline)) {
      this.deps.observer?.refused('JIRA_RATE_LIMITED');
      throw new AppError(
        'JIRA_RATE_LIMITED',
        `Jira asked this connection to pause for ${Math.ceil(wait / 1000)} s. Nothing was sent; retry after that.`,
        { retryAfter: Math.ceil(wait / 1000), cause: new HeldBack('paused') },
      );
    }
    await this.sleep(wait);
  }

  /** Reads Jira's rate-limit headers: a 429's Retry-After, or a quota reported as exhausted. */
  private noteRateLimit(response: JiraResponse, request: JiraRequest): void {
    const now = this.deps.clock.now();
    const h = response.headers;
    const resetAt = h['x-ratelimit-reset'] ? Date.parse(h['x-ratelimit-reset']) : Number.NaN;
    let waitMs: number | undefined;
    if (response.status === 429) {
      waitMs =
        retryAfterMs(h['retry-after'], now) ??
        (Number.isNaN(resetAt) ? undefined : Math.max(0, resetAt - now)) ??
        this.deps.settings.baseDelayMs;
    } else if (h['x-ratelimit-remaining'] === '0' && !Number.isNaN(resetAt)) {
      waitMs = Math.max(0, resetAt - now);
    }
    if (h['x-ratelimit-nearlimit'] === 'true') {
      this.deps.logger?.warn({ path: request.path }, 'jira rate limit nearly reached');
    }
    if (waitMs === undefined) return;
    if (response.status === 429) this.lastRateLimitedAt = now;
    const reason = h['ratelimit-reason'] ?? h['x-ratelimit-reason'] ?? '';
    // The app's quota across every site it serves: tenants over their share hold back first.
    if (reason.includes('global')) this.deps.quota?.appOverQuota(waitMs);
    if (reason.includes('per-issue') && request.issueKey) {
      this.issueHolds.set(request.issueKey, now + waitMs);
    } else {
      this.pausedUntil = Math.max(this.pausedUntil, now + waitMs);
    }
    this.deps.logger?.warn(
      { path: request.path, reason: reason || undefined, waitMs },
      'jira rate limit: pausing',
    );
  }
}

/**
 * A signal aborted with a TimeoutError after `ms`, as `AbortSignal.timeout` gives, whose timer
 * `clear` stops once the call is over. `AbortSignal.timeout`'s timer runs its whole course: with
 * the default 30 s bound and a thousand calls a second, 30,000 timers pending at once, each
 * living long enough to be moved into V8's old space.
 */
function timeoutSignal(ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  }, ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (!text) return undefined;
  if (contentType?.includes('json') || /^[[{]/.test(text.trimStart())) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}
