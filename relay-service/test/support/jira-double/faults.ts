/**
 * Failures a test can switch on. Each applies to requests whose counter key matches `route`
 * (exactly, or every Jira REST route when omitted) and is used up after `times` requests.
 */
export type FaultKind =
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** An error answer whose body is sent as it is (an HTML error page, a bare stack trace). */
  | { kind: 'rawError'; status: number; contentType: string; text: string }
  /** 429 with Retry-After and Atlassian's rate-limit headers. */
  | { kind: 'rateLimit'; retryAfterSeconds?: number; reason?: string }
  | { kind: 'delay'; ms: number }
  /**
   * Jira does the work (creates the issue, adds the comment), then answers `status` instead of
   * its success answer, or only after `delayMs`: a write that happened although the caller
   * could not learn so.
   */
  | { kind: 'afterHandling'; status?: number; delayMs?: number }
  /** The socket is destroyed without an answer. */
  | { kind: 'reset' }
  /**
   * Jira does the work and starts its answer (status line, headers with the full length, part
   * of the body), then the connection is reset: a proxy or load balancer dying mid answer.
   */
  | { kind: 'resetMidBody' }
  /** Bearer tokens are answered as expired (401). */
  | { kind: 'expiredToken' }
  /** Atlassian's gateway 401 for a token lacking the endpoint's scope. */
  | { kind: 'scopeMismatch' }
  | { kind: 'redirect'; location: string; status?: number };

export type Fault = FaultKind & { route?: string; times?: number };

export class Faults {
  private readonly active: (Fault & { left: number })[] = [];

  add(fault: Fault): void {
    this.active.push({ ...fault, left: fault.times ?? 1 });
  }

  clear(): void {
    this.active.length = 0;
  }

  /** The next fault for a request, consuming one use of it. */
  take(routeKey: string, isJiraRoute: boolean): FaultKind | undefined {
    const index = this.active.findIndex((f) =>
      f.route === undefined ? isJiraRoute : f.route === routeKey,
    );
    if (index < 0) return undefined;
    const fault = this.active[index] as Fault & { left: number };
    fault.left -= 1;
    if (fault.left <= 0) this.active.splice(index, 1);
    return fault;
  }
}
