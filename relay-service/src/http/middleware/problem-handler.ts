import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { AppError, toProblem } from '../../lib/errors';

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
      return new AppError('VALIDATION_FAILED', 'The request body was not received completely.');
    default:
      return undefined;
  }
}

export function notFound(): RequestHandler {
  return (req, _res, next) => {
    next(new AppError('NOT_FOUND', `No route ${req.method} ${req.path}.`));
  };
}

/** The one place that writes problem+json. A failed request never takes the process down. */
export function problemHandler(logger: Logger, bodyLimitBytes: number): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    let appError =
      error instanceof AppError ? error : fromBodyParser(error as BodyParserError, bodyLimitBytes);
    if (!appError) {
      logger.error({ err: error, requestId: req.requestId }, 'unhandled error');
      appError = new AppError(
        'INTERNAL',
        'The relay failed to handle this request. Quote the request id when reporting it.',
      );
    }
    if (appError.retryAfter !== undefined)
      res.setHeader('Retry-After', String(appError.retryAfter));
    res
      .status(appError.status)
      .type('application/problem+json')
      .send(JSON.stringify(toProblem(appError, req.requestId)));
  };
}
