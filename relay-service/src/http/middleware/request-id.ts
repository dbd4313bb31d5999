import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

// Accept a caller's id only if it is short and harmless in logs and headers.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,64}$/;

export function requestId(): RequestHandler {
  return (req, res, next) => {
    const inbound = req.get('x-request-id');
    req.requestId = inbound && SANE_REQUEST_ID.test(inbound) ? inbound : randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    next();
  };
}
