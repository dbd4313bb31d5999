/**
 * How many calls one Jira connection may have in flight, learnt from Jira's answers instead of
 * fixed: additive increase, multiplicative decrease (AIMD, as TCP and Netflix's
 * concurrency-limits do), with a latency signal in the spirit of their gradient limit.
 *
 * - While answers come back normally and the limit is in use (at least half of it in flight),
 *   every answer raises it: by 1 below the slow-start threshold (the limit doubles per round
 *   trip, so a cold connection reaches 200 calls in flight within a few round trips), by
 *   1/limit above it (one call per round trip).
 * - An overload answer (429, 503, 504, a timeout) halves it; an answer that is slow compared
 *   with the connection's usual time lowers it by a tenth. The threshold then becomes the new
 *   limit, so growth after a decrease is careful.
 * - Only one decrease per round trip: an answer to a call sent before the last decrease says
 *   nothing new (a burst of 429s to calls sent together is one signal, not fifty).
 *
 * "Slow" is judged per kind of call (reads and writes take different times): the recent time
 * (a fast moving average) against the usual time (a slow one), with a tolerance factor and an
 * absolute slack. The slack keeps the relay's own event-loop delays under CPU load (tens of ms)
 * from being taken for Jira slowing down; Jira under strain answers in seconds, not ms.
 * A relay whose own event loop runs later than that (a CPU-bound relay, or one starved by its
 * neighbours, 200–1,000 ms in the load benchmark) measures mostly itself: its answer times are
 * neither learnt nor judged then. Overload answers (429, 503, timeouts) still count.
 */

export interface AdaptiveLimitSettings {
  /** Never below this many calls in flight. */
  min: number;
  /** Never above this many. */
  max: number;
  /** Where a new connection starts. */
  initial: number;
  /** How late the relay's own event loop runs now, in ms (lib/event-loop-delay); default 0. */
  relayDelayMs?: () => number;
}

export type CallKind = 'read' | 'write';

/**
 * - `ok`: Jira answered normally (any 2xx–4xx except 429); its time counts.
 * - `overload`: Jira said it is overloaded or did not answer in time.
 * - `ignore`: says nothing about Jira's load (refused connection, redirect, relay error).
 */
export type CallOutcome = 'ok' | 'overload' | 'ignore';

export interface CallSample {
  /** The ticket the call got when it was sent (see `ticket()`). */
  ticket: number;
  kind: CallKind;
  outcome: CallOutcome;
  /** How long Jira took to answer. */
  rttMs: number;
  /** Calls in flight when this one was sent (itself included). */
  inFlight: number;
}

/** Why the limit last moved, for logs and metrics. */
export type LimitChange = 'grew' | 'overload' | 'slow' | undefined;

const OVERLOAD_FACTOR = 0.5;
const SLOW_FACTOR = 0.9;
const LATENCY_TOLERANCE = 2;
const LATENCY_SLACK_MS = 250;
// Past this own delay, an answer's time says more about the relay than about Jira.
const RELAY_DELAY_LIMIT_MS = 50;
// Moving-average weights: the usual time follows over ~100 answers, the recent one over ~5.
const USUAL_WEIGHT = 0.01;
const RECENT_WEIGHT = 0.2;

class LatencyTrack {
  usual: number | undefined;
  recent: number | undefined;

  add(rttMs: number): void {
    this.usual =
      this.usual === undefined ? rttMs : this.usual + USUAL_WEIGHT * (rttMs - this.usual);
    this.recent =
      this.recent === undefined ? rttMs : this.recent + RECENT_WEIGHT * (rttMs - this.recent);
  }

  get slow(): boolean {
    if (this.usual === undefined || this.recent === undefined) return false;
    return this.recent > this.usual * LATENCY_TOLERANCE + LATENCY_SLACK_MS;
  }
}

export class AdaptiveLimit {
  private value: number;
  private threshold: number;
  private tickets = 0;
  /** Answers to calls with a ticket up to this one cannot lower the limit again. */
  private decreasedAtTicket = 0;
  private readonly latency: Record<CallKind, LatencyTrack> = {
    read: new LatencyTrack(),
    write: new LatencyTrack(),
  };

  constructor(private readonly settings: AdaptiveLimitSettings) {
    if (settings.min < 1 || settings.max < settings.min)
      throw new RangeError('expected 1 ≤ min ≤ max');
    this.value = clamp(settings.initial, settings.min, settings.max);
    this.threshold = settings.max;
  }

  /** Calls allowed in flight now. */
  get current(): number {
    return Math.floor(this.value);
  }

  /** The connection's usual answer time for reads (undefined before the first answer). */
  get usualReadMs(): number | undefined {
    return this.latency.read.usual;
  }

  /** A number for a call about to be sent; hand it back in its sample. */
  ticket(): number {
    this.tickets += 1;
    return this.tickets;
  }

  /** Learns from one answer (or its absence); says whether and why the limit moved. */
  onSample(sample: CallSample): LimitChange {
    if (sample.outcome === 'ignore') return undefined;
    if (sample.outcome === 'overload')
      return this.decrease(sample.ticket, OVERLOAD_FACTOR, 'overload');
    if ((this.settings.relayDelayMs?.() ?? 0) <= RELAY_DELAY_LIMIT_MS) {
      const track = this.latency[sample.kind];
      track.add(sample.rttMs);
      if (track.slow) return this.decrease(sample.ticket, SLOW_FACTOR, 'slow');
    }
    // Growing a limit that is not in use would only let a later burst through unchecked.
    if (sample.inFlight * 2 < this.value || this.value >= this.settings.max) return undefined;
    this.value = Math.min(
      this.settings.max,
      this.value + (this.value < this.threshold ? 1 : 1 / this.value),
    );
    return 'grew';
  }

  private decrease(ticket: number, factor: number, why: LimitChange): LimitChange {
    if (ticket <= this.decreasedAtTicket) return undefined;
    this.decreasedAtTicket = this.tickets;
    this.value = Math.max(this.settings.min, this.value * factor);
    this.threshold = this.value;
    return why;
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
