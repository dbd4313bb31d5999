import type { RequestHandler } from 'express';
import { AppError } from '../../lib/errors';

/** RFC 3986 path characters (pchar and "/"); anything else is never part of a relay route. */
const PATH_CHARACTERS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const PERCENT_ENCODING = /%(?:[0-9A-Fa-f]{2})?/g;
/** Characters that must appear as themselves (RFC 3986 §2.3): encoding them is a second spelling. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Why `path` is not the one spelling of a route, or undefined when it is. */
export function nonCanonicalReason(path: string): string | undefined {
  if (path === '/') return undefined;
  if (!path.startsWith('/')) return 'it does not start with "/"';
  if (!PATH_CHARACTERS.test(path)) return 'it holds characters a path may not hold';
  if (path.endsWith('/')) return 'it ends with "/"';
  const segments = path.slice(1).split('/');
  if (segments.some((segment) => segment === '')) return 'it holds an empty segment ("//")';
  if (segments.some((segment) => segment === '.' || segment === '..'))
    return 'it holds a "." or ".." segment';
  for (const match of path.matchAll(PERCENT_ENCODING)) {
    if (match[0].length !== 3) return 'it holds a "%" that is not followed by two hex digits';
    const character = String.fromCharCode(parseInt(match[0].slice(1), 16));
    if (UNRESERVED.test(character))
      return `it percent-encodes "${character}", which is written as itself`;
  }
  return undefined;
}

/**
 * Refuses every request whose path is not written in its one canonical form, before anything
 * looks at the path. With case-sensitive, strict routing (see relayRouter) a route then has
 * exactly one spelling: `/V1/…`, `//v1/…`, `/v1/./…`, `/%761/…` or `/v1/issues/` reach no
 * handler, and no check that reads the path (the request id, the signature mount) can be
 * steered around by spelling it differently.
 */
export function canonicalPath(): RequestHandler {
  return (req, _res, next) => {
    // originalUrl is the request target as received; Express's req.path is derived from it.
    const target = req.originalUrl;
    const query = target.indexOf('?');
    const path = query < 0 ? target : target.slice(0, query);
    const reason = nonCanonicalReason(path);
    if (reason) {
      throw new AppError(
        'NOT_FOUND',
        `No route ${req.method} ${path.slice(0, 200)}: ${reason}. Write the path exactly as documented.`,
      );
    }
    next();
  };
}
