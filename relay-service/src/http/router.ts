import { Router } from 'express';

/**
 * Every route file builds its router here. Express matches paths case-insensitively and
 * ignores a trailing slash unless told otherwise; the relay wants one spelling per route, so
 * that nothing decided on the path before routing (the request id, the signature check on
 * /v1) can disagree with the handler the request reaches.
 */
export function relayRouter(): Router {
  return Router({ caseSensitive: true, strict: true });
}
