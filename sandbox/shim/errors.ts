import { asMap, type Json } from './relay-models';

/**
 * The exceptions the Apex services throw and how JiraAuraErrors turns them into what a
 * component receives: an AuraHandledException whose message is a small JSON object
 * `{code, message, requestId, retryAfter, fieldErrors}`.
 */

/** RelayException: a problem+json answer of the relay (or no answer). */
export class RelayException extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly requestId: string | null = null,
    readonly retryAfter: number | null = null,
    readonly fieldErrors: Record<string, string> | null = null,
  ) {
    super(message);
    this.name = 'RelayException';
  }
}

/** JiraServiceException: a refusal by the package's own services. */
export class JiraServiceException extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'JiraServiceException';
  }
}

/** The message JiraAuraErrors.toAura builds (nulls left out, as JSON.serialize(body, true)). */
export function auraMessage(error: unknown, unexpectedLabel: string): string {
  const body: Record<string, unknown> = {};
  if (error instanceof RelayException) {
    Object.assign(body, {
      code: error.code,
      message: error.message,
      requestId: error.requestId,
      retryAfter: error.retryAfter,
      fieldErrors: error.fieldErrors,
    });
  } else if (error instanceof JiraServiceException) {
    Object.assign(body, { code: error.code, message: error.message });
  } else {
    Object.assign(body, { code: 'UNEXPECTED', message: unexpectedLabel });
  }
  return JSON.stringify(
    Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null)),
  );
}

/** RelayException.fromProblem: code, message and details of a problem+json body. */
export function relayExceptionOf(
  status: number,
  text: string,
  requestId: string | null,
  statusLabel: (status: number) => string,
): RelayException {
  let problem: Json;
  try {
    problem = asMap(text ? JSON.parse(text) : null);
  } catch {
    problem = {};
  }
  const text_ = (value: unknown) => (typeof value === 'string' && value.trim() ? value : null);
  const code = text_(problem.code) ?? fallbackCode(status);
  const message = text_(problem.detail) ?? text_(problem.title) ?? statusLabel(status);
  return new RelayException(
    code,
    status,
    message,
    text_(problem.requestId) ?? requestId,
    typeof problem.retryAfter === 'number' ? problem.retryAfter : null,
    fieldErrorsOf(problem.fieldErrors),
  );
}

function fallbackCode(status: number): string {
  const byStatus: Record<number, string> = {
    401: 'SIGNATURE_INVALID',
    404: 'NOT_FOUND',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    429: 'RATE_LIMITED',
  };
  return byStatus[status] ?? (status >= 500 ? 'RELAY_UNAVAILABLE' : 'VALIDATION_FAILED');
}

function fieldErrorsOf(raw: unknown): Record<string, string> | null {
  if (!Array.isArray(raw)) return null;
  const byField: Record<string, string> = {};
  for (const item of raw) {
    if (!item || typeof item !== 'object') continue;
    const { field, message } = item as { field?: unknown; message?: unknown };
    const key = String(field);
    byField[key] = byField[key] ? `${byField[key]}; ${String(message)}` : String(message);
  }
  return byField;
}
