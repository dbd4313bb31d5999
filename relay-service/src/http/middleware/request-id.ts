import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

// Accept a caller's id only if it is short and harmless in logs and headers.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

/**
 * Gives every request an id, echoed in X-Request-Id and on every log line. A sane inbound id
 * is kept for correlation, except on the signed /v1 routes: there the id becomes the audit
 * event's external id in Salesforce, so it must be unique and not chosen by the caller (a
 * reused id would make a second operation's audit event collapse into the first one's).
 */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const inbound = req.get('x-request-id');
    const auditable = req.path.startsWith('/v1/');
    req.requestId = !auditable && inbound && SANE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    next();
  };
}
