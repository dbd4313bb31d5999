import { Router, type RequestHandler } from 'express';

/**
 * Every route file builds its router here. Express matches paths case-insensitively and
 * ignores a trailing slash unless told otherwise; the relay wants one spelling per route, so
 * that nothing decided on the path before routing (the request id, the signature check on
 * /v1) can disagree with the handler the request reaches.
 */
export function relayRouter(): Router {
  return Router({ caseSensitive: true, strict: true });
}

/**
 * `router`, entered only by requests whose path starts as one of its routes' paths does.
 *
 * Express enters every router mounted without a path, tries each of its routes, and leaves one
 * that has none for the request through `setImmediate`: a signed view went through seven route
 * files' routers, so seven event-loop turns, before reaching its own (each turn, under load,
 * behind every other request's callbacks). A request that no route of `router` can match now
 * passes it within the same turn. A router with anything but routes (middleware sees every
 * request) is returned as it is.
 */
export function routesOf(router: Router): RequestHandler {
  const prefixes: string[] = [];
  for (const layer of router.stack) {
    const prefix = staticPrefix(layer.route?.path);
    if (prefix === undefined) return router;
    prefixes.push(prefix);
  }
  const guard: RequestHandler = (req, res, next) => {
    const path = req.path;
    if (prefixes.some((prefix) => path.startsWith(prefix))) {
      router(req, res, next);
    } else {
      next();
    }
  };
  // The routes stay visible where tools that list an app's routes look for them (the OpenAPI
  // test walks every `handle.stack`).
  return Object.assign(guard, { stack: router.stack });
}

// Where a route path stops being literal text in path-to-regexp's syntax (parameters, wildcards,
// optional groups, escapes); the text before it is what every matching path starts with.
const PATTERN_SYNTAX = /[:*{}()[\]+?!\\]/;

/** The literal start of a route path; undefined for a layer that is not a route with a path. */
function staticPrefix(path: unknown): string | undefined {
  if (typeof path !== 'string') return undefined;
  const special = PATTERN_SYNTAX.exec(path);
  return special ? path.slice(0, special.index) : path;
}
