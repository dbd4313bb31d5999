import type { RequestHandler } from 'express';
import { timeOrderedUuid } from '../../lib/time-ordered-id';

// Accept a caller's id only if it is short and harmless in logs and headers.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * The only paths where a caller's id is kept (for correlation with a load balancer's probes).
 * Listed, compared exactly: every other request, above all every signed /v1 route, gets an id
 * the relay made. There the id becomes the audit event's external id in Salesforce, so it must
 * be unique and never chosen by the caller: a reused id would make a second operation's audit
 * event collide with the first one's. A list fails safe: a new route, or another spelling of an
 * old one, gets a relay-made id. Relay-made ids grow with time: they key the audit outbox, and
 * new rows then append to its index instead of landing on random pages (time-ordered-id.ts).
 */
const CALLER_ID_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/** Gives every request an id, echoed in X-Request-Id and on every log line. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const inbound = req.get('x-request-id');
    const keepInbound =
      CALLER_ID_PATHS.has(req.path) && inbound !== undefined && SANE_REQUEST_ID.test(inbound);
    req.requestId = keepInbound ? inbound : timeOrderedUuid();
    res.setHeader('X-Request-Id', req.requestId);
    next();
  };
}
