import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, toProblem } from '../../lib/errors';
import { isStoreUnavailable } from '../../store/store-errors';

interface BodyParserError {
  type?: string;
  status?: number;
}

/** Turns errors from body parsing (which Express raises before our code) into AppErrors. */
function fromBodyParser(error: BodyParserError, limitBytes: number): AppError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError('PAYLOAD_TOO_LARGE', `The request body exceeds ${limitBytes} bytes.`);
    case 'entity.parse.failed':
      return new AppError('VALIDATION_FAILED', 'The request body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new AppError('VALIDATION_FAILED', 'The request body was not received completely.');
    default:
      return undefined;
  }
}

/** A PostgreSQL restart or failover usually takes seconds. */
const STORE_RETRY_AFTER_S = 5;

export function notFound(): RequestHandler {
  return (req, _res, next) => {
    next(new AppError('NOT_FOUND', `No route ${req.method} ${req.path}.`));
  };
}

/** Writes one problem+json answer (the error handler, and middleware that answers on its own). */
export function sendProblem(res: Response, error: AppError, requestId: string): void {
  if (error.retryAfter !== undefined) res.setHeader('Retry-After', String(error.retryAfter));
  res
    .status(error.status)
    .type('application/problem+json')
    .send(JSON.stringify(toProblem(error, requestId)));
}

/** The one place that turns errors into problem+json. A failed request never takes the process down. */
export function problemHandler(logger: Logger, bodyLimitBytes: number): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      // The body reader's own failure after the 408 was sent: the answer is already out.
      if (req.bodyTimedOut) return;
      next(error);
      return;
    }
    let appError =
      error instanceof AppError
        ? error
        : error instanceof URIError
          ? // Express decodes path parameters: percent-encoded bytes that are not UTF-8 (a lone
            // surrogate, say) fail there, before any route runs.
            new AppError(
              'VALIDATION_FAILED',
              'The request path is not valid percent-encoded UTF-8.',
            )
          : fromBodyParser(error as BodyParserError, bodyLimitBytes);
    if (!appError && isStoreUnavailable(error)) {
      logger.warn({ err: error, requestId: req.requestId }, 'store unavailable');
      appError = new AppError(
        'SERVICE_UNAVAILABLE',
        'The relay cannot reach its database right now. Retry shortly.',
        { retryAfter: STORE_RETRY_AFTER_S },
      );
    }
    if (!appError) {
      logger.error({ err: error, requestId: req.requestId }, 'unhandled error');
      appError = new AppError(
        'INTERNAL',
        'The relay failed to handle this request. Quote the request id when reporting it.',
      );
    }
    sendProblem(res, appError, req.requestId);
  };
}
