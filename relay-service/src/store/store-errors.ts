/**
 * Errors that mean "the store cannot be reached right now" (PostgreSQL stopped, restarting, or
 * cut off), as opposed to a bug or bad data. The relay answers these with a 503 the client may
 * retry; the pool reconnects on its own once the server is back.
 */

// Socket failures on connect or mid-query.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// SQLSTATE classes: 08 connection exception; 57P01-57P03 admin/crash shutdown, cannot connect now.
const UNAVAILABLE_SQLSTATE = /^(08[0-9A-Z]{3}|57P0[123])$/;

// node-postgres reports a dropped connection with a message and no code.
const DROPPED_CONNECTION =
  /^Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect/;

function unavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)))
    return true;
  if (DROPPED_CONNECTION.test(error.message)) return true;
  // Connecting to every address of a host failed (localhost: ::1 and 127.0.0.1).
  return error instanceof AggregateError && error.errors.some(unavailable);
}

/** True when `error`, or an error it was caused by, says the store is unreachable. */
export function isStoreUnavailable(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let current = error; current instanceof Error && !seen.has(current);) {
    if (unavailable(current)) return true;
    seen.add(current);
    current = current.cause;
  }
  return false;
}
