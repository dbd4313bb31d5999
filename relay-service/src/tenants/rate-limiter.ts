/** The per-tenant limit of signed requests the signature check consults. */
export interface TenantRateLimit {
  /** Takes one request; 0 when allowed, otherwise the seconds to wait. */
  take(orgId: string): number | Promise<number>;
  /** Drops state no longer needed (shared counters of past windows). */
  purgeExpired?(): Promise<number>;
}

/**
 * Per-tenant token bucket in memory: the limit of a single relay instance (SQLite, which only
 * one instance serves). On PostgreSQL the fleet-wide FleetRateLimiter is used instead.
 */
export class RateLimiter implements TenantRateLimit {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  /** Takes one token; returns 0 when allowed, otherwise the seconds to wait. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(
      this.perMinute,
      bucket.tokens + (now - bucket.updatedAt) * this.refillPerMs,
    );
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.refillPerMs / 1000));
  }
}
