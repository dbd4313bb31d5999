import { isIPv6 } from 'node:net';

/** Failed registration attempts one source may make per window before it must wait. */
export const REGISTRATION_FAILURE_LIMIT = 10;
export const REGISTRATION_FAILURE_WINDOW_MS = 15 * 60 * 1000;
/** Sources remembered at most; beyond it, those with no failure inside the window are dropped. */
const MAX_SOURCES = 10_000;

/**
 * The key failures are counted under: the IPv4 address, or the /64 of an IPv6 address (one
 * host usually holds a whole /64, so counting single IPv6 addresses would limit nothing).
 * An IPv4 address seen through a dual-stack socket (`::ffff:a.b.c.d`) counts as itself.
 */
export function registrationSource(remoteAddress: string | undefined): string {
  if (!remoteAddress) return 'unknown';
  const address = remoteAddress.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (!isIPv6(address)) return address;
  const [head = '', tail] = address.split('::');
  const groups = (part: string | undefined) =>
    // A dotted IPv4 tail stands for the last two groups; only the first four groups matter here.
    part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : [];
  const left = groups(head);
  const right = groups(tail);
  const full =
    tail === undefined
      ? left
      : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return `${full
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Counts failed registration attempts per source in a sliding window. In memory: each relay
 * instance limits what it is sent, which is enough to make guessing codes (24 random bytes)
 * pointless; nothing is written to the store for an attacker's requests.
 */
export class RegistrationLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly now: () => number,
    private readonly limit = REGISTRATION_FAILURE_LIMIT,
    private readonly windowMs = REGISTRATION_FAILURE_WINDOW_MS,
  ) {}

  /** Seconds the source must wait before its next attempt; 0 when it may try now. */
  retryAfterSeconds(source: string): number {
    const recent = this.recent(source, this.now());
    if (recent.length < this.limit) return 0;
    const oldest = recent[recent.length - this.limit] as number;
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  recordFailure(source: string): void {
    const now = this.now();
    const recent = this.recent(source, now);
    recent.push(now);
    // Only the newest `limit` failures decide when the source may try again.
    this.failures.set(source, recent.slice(-this.limit));
    if (this.failures.size > MAX_SOURCES) this.prune(now);
  }

  private recent(source: string, now: number): number[] {
    return (this.failures.get(source) ?? []).filter((at) => at > now - this.windowMs && at <= now);
  }

  private prune(now: number): void {
    for (const [source, times] of this.failures) {
      if (!times.some((at) => at > now - this.windowMs)) this.failures.delete(source);
    }
  }
}
