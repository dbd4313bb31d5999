/**
 * Every error a client can see, with its stable contract code. One Express handler turns an
 * AppError into application/problem+json; anything else becomes a 500 without details.
 */
export const errorCatalog = {
  SIGNATURE_INVALID: { status: 401, title: 'Request signature invalid' },
  REPLAYED: { status: 401, title: 'Request replayed' },
  TENANT_UNKNOWN: { status: 401, title: 'Tenant unknown' },
  TENANT_DISABLED: { status: 401, title: 'Tenant disabled' },
  REGISTRATION_INVALID: { status: 401, title: 'Registration code invalid' },
  TENANT_EXISTS: { status: 409, title: 'Tenant already registered' },
  VALIDATION_FAILED: { status: 400, title: 'Request invalid' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  REQUEST_TIMEOUT: { status: 408, title: 'Request body too slow' },
  METRICS_TOKEN_INVALID: { status: 401, title: 'Metrics token missing or wrong' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  CONNECTION_NOT_FOUND: { status: 404, title: 'Connection not found' },
  CONNECTION_NEEDS_REAUTH: { status: 409, title: 'Connection needs re-authorization' },
  SCOPE_MISSING: { status: 403, title: 'OAuth scope missing' },
  JIRA_USER_NOT_CONNECTED: { status: 403, title: 'Jira account of the user not connected' },
  UPSTREAM_HOST_FORBIDDEN: { status: 400, title: 'Upstream host forbidden' },
  TEMPLATE_INVALID: { status: 400, title: 'Template invalid' },
  TEMPLATE_DATA_MISSING: { status: 400, title: 'Template data missing' },
  TEMPLATE_DATA_UNMAPPED: { status: 400, title: 'Record data not referenced by the template' },
  TRANSITION_NOT_ALLOWED: { status: 403, title: 'Transition not allowed' },
  COMMENTS_NOT_ALLOWED: { status: 403, title: 'Comments not allowed' },
  ATTACHMENT_NOT_ALLOWED: { status: 422, title: 'Attachment not allowed by the template' },
  /** Per file only, inside a create's or comment's `attachments[]`; never a whole answer. */
  ATTACHMENT_FAILED: { status: 502, title: 'Attachment not sent' },
  IDEMPOTENCY_CONFLICT: { status: 409, title: 'Idempotency key conflict' },
  IDEMPOTENCY_IN_FLIGHT: { status: 409, title: 'Request with this idempotency key in progress' },
  JIRA_UNAUTHORIZED: { status: 502, title: 'Jira refused the credentials' },
  JIRA_FORBIDDEN: { status: 403, title: 'Jira refused access' },
  JIRA_NOT_FOUND: { status: 404, title: 'Not found in Jira' },
  JIRA_VALIDATION: { status: 422, title: 'Jira rejected the data' },
  JIRA_RATE_LIMITED: { status: 429, title: 'Jira rate limit reached' },
  JIRA_UNAVAILABLE: { status: 503, title: 'Jira unavailable' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  SALESFORCE_UNAVAILABLE: { status: 503, title: 'Salesforce unavailable' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalog;

export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  retryAfter?: number;
  fieldErrors?: FieldError[];
  jiraStatus?: number;
  /** Extra problem members (e.g. the paths a template misses). Never secrets. */
  extra?: Record<string, unknown>;
  cause?: unknown;
  /** Overrides the catalog status when one code covers several (e.g. 404 vs 410). */
  status?: number;
}

/**
 * How much one problem answer may list. A bad request of any size gets a small answer: lists
 * (fieldErrors, and arrays among the extra members such as `unmapped`) keep their first
 * PROBLEM_LIST_LIMIT entries and report the full count as `<list>Total`; texts are cut.
 */
export const PROBLEM_LIST_LIMIT = 20;
const DETAIL_LIMIT = 2_000;
const TEXT_LIMIT = 300;

/** `text` cut to `limit` characters, marked with "…" when cut. */
export function cutText(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** The first `limit` items joined for a message, then how many more there are. */
export function listForMessage(items: readonly string[], separator = ', ', limit = 5): string {
  const shown = items.slice(0, limit).map((item) => cutText(item, 100));
  const more = items.length - shown.length;
  return shown.join(separator) + (more > 0 ? `${separator}… and ${more} more` : '');
}

function boundValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return cutText(value, TEXT_LIMIT);
  if (depth >= 3 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value))
    return value.slice(0, PROBLEM_LIST_LIMIT).map((item) => boundValue(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => [key, boundValue(member, depth + 1)]),
  );
}

function boundExtra(
  extra: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!extra) return undefined;
  const bounded: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extra)) {
    bounded[key] = boundValue(value, 0);
    if (Array.isArray(value) && value.length > PROBLEM_LIST_LIMIT)
      bounded[`${key}Total`] = value.length;
  }
  return bounded;
}

export class AppError extends Error {
  readonly status: number;
  readonly title: string;
  readonly retryAfter: number | undefined;
  readonly fieldErrors: FieldError[] | undefined;
  readonly jiraStatus: number | undefined;
  readonly extra: Record<string, unknown> | undefined;

  readonly detail: string;

  constructor(
    readonly code: ErrorCode,
    detail: string,
    options: AppErrorOptions = {},
  ) {
    const bounded = cutText(detail, DETAIL_LIMIT);
    super(bounded, { cause: options.cause });
    this.detail = bounded;
    this.name = 'AppError';
    this.status = options.status ?? errorCatalog[code].status;
    this.title = errorCatalog[code].title;
    this.retryAfter = options.retryAfter;
    this.fieldErrors = options.fieldErrors?.slice(0, PROBLEM_LIST_LIMIT).map((e) => ({
      field: cutText(e.field, TEXT_LIMIT),
      message: cutText(e.message, TEXT_LIMIT),
    }));
    this.jiraStatus = options.jiraStatus;
    const extra = boundExtra(options.extra);
    const fieldErrorsTotal = options.fieldErrors?.length ?? 0;
    this.extra = fieldErrorsTotal > PROBLEM_LIST_LIMIT ? { ...extra, fieldErrorsTotal } : extra;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  retryAfter?: number;
  fieldErrors?: FieldError[];
  jiraStatus?: number;
  [member: string]: unknown;
}

export function problemType(code: ErrorCode): string {
  return `urn:pharos-jira:problem:${code.toLowerCase().replace(/_/g, '-')}`;
}

export function toProblem(error: AppError, requestId: string): Problem {
  return {
    ...error.extra,
    type: problemType(error.code),
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    requestId,
    ...(error.retryAfter !== undefined ? { retryAfter: error.retryAfter } : {}),
    ...(error.fieldErrors ? { fieldErrors: error.fieldErrors } : {}),
    ...(error.jiraStatus !== undefined ? { jiraStatus: error.jiraStatus } : {}),
  };
}
