import type { Request, RequestHandler } from 'express';
import { AppError } from '../../lib/errors';
import { sendProblem } from './problem-handler';

/**
 * What the relay accepts as request bytes, before any route reads them:
 * - no content coding. The signature covers the bytes as sent; a gzip body would be checked
 *   after inflating (not what was signed) and would let a small request inflate to anything.
 * - no charset but UTF-8. Bodies are read as UTF-8; a body in another charset would be read
 *   as something other than what its sender meant (and signed).
 * - the body arrives within a bound. A body that trickles in holds a connection and a request
 *   slot; after `timeoutMs` the relay answers 408 REQUEST_TIMEOUT and closes the connection.
 * Both refusals answer 415 UNSUPPORTED_MEDIA_TYPE. Applies to every route, signed or not.
 */
export interface RequestBodyOptions {
  timeoutMs: number;
}

/** True when the request announces a body: a length above zero, or a chunked transfer. */
export function announcesBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** The charset parameter of a Content-Type header, lower-cased; undefined when there is none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  for (const parameter of contentType.split(';').slice(1)) {
    const equals = parameter.indexOf('=');
    if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') continue;
    return parameter
      .slice(equals + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
  }
  return undefined;
}

const UTF8 = new Set(['utf-8', 'utf8']);

export function requestBodyGuard(options: RequestBodyOptions): RequestHandler {
  return (req, res, next) => {
    const coding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (coding !== '' && coding !== 'identity') {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Encoding "${coding.slice(0, 40)}" is not accepted: send the body uncompressed (a signature covers the bytes as sent).`,
      );
    }
    const charset = charsetOf(req.headers['content-type']);
    if (charset !== undefined && !UTF8.has(charset)) {
      throw new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        `charset "${charset.slice(0, 40)}" is not accepted: request bodies are UTF-8.`,
      );
    }
    if (announcesBody(req) && !req.complete) watchArrival(req, res, options.timeoutMs);
    next();
  };
}

/** Answers 408 and closes the connection when the body is not in after `timeoutMs`. */
function watchArrival(req: Request, res: Parameters<RequestHandler>[1], timeoutMs: number): void {
  const timer = setTimeout(() => {
    cleanUp();
    if (req.complete || res.headersSent) return;
    req.bodyTimedOut = true;
    // The rest of the body is never read: the connection cannot carry another request.
    res.setHeader('Connection', 'close');
    sendProblem(
      res,
      new AppError(
        'REQUEST_TIMEOUT',
        `The request body did not arrive within ${timeoutMs} ms. Send it at once, and check the network between the org and the relay.`,
      ),
      req.requestId,
    );
  }, timeoutMs);
  const cleanUp = () => {
    clearTimeout(timer);
    req.off('end', cleanUp);
    req.off('close', cleanUp);
    res.off('close', cleanUp);
  };
  req.once('end', cleanUp);
  req.once('close', cleanUp);
  res.once('close', cleanUp);
}
