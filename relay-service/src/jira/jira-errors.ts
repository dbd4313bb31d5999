import { AppError, type ErrorCode, type FieldError } from '../lib/errors';

/** Jira's usual error body: `{"errorMessages":["…"],"errors":{"summary":"…"}}`. */
interface JiraErrorBody {
  errorMessages?: unknown;
  errors?: unknown;
}

const MAX_DETAIL = 500;
/** Bounds on what of Jira's own words is passed on (a 400 can carry thousands of messages). */
const MAX_MESSAGES = 10;
const MAX_FIELD_ERRORS = 20;
const MAX_MESSAGE_LENGTH = 300;
const MAX_FIELD_LENGTH = 100;

// eslint-disable-next-line no-control-regex -- removing control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;
const MARKUP = /<\/?[A-Za-z!?][^>]*>/;

/**
 * One of Jira's messages as the caller may see it: its first line only (a stack trace never
 * follows), no control characters, bounded; nothing when it is markup (an HTML error page).
 */
function cleanMessage(value: unknown, maxLength: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  const firstLine = value.split(/\r\n|\r|\n/, 1)[0] ?? '';
  const text = firstLine.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  if (!text || MARKUP.test(text)) return undefined;
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/**
 * Jira's `errorMessages` and `errors` of a 4xx validation answer, bounded in number and length.
 * Anything else Jira sends (plain text, HTML, other members) is not passed on.
 */
function validationMessagesOf(body: unknown): { messages: string[]; fieldErrors: FieldError[] } {
  const messages: string[] = [];
  const fieldErrors: FieldError[] = [];
  if (!body || typeof body !== 'object' || Array.isArray(body)) return { messages, fieldErrors };
  const { errorMessages, errors } = body as JiraErrorBody;
  if (Array.isArray(errorMessages)) {
    for (const raw of errorMessages) {
      if (messages.length >= MAX_MESSAGES) break;
      const message = cleanMessage(raw, MAX_MESSAGE_LENGTH);
      if (message) messages.push(message);
    }
  }
  if (errors && typeof errors === 'object' && !Array.isArray(errors)) {
    for (const [rawField, raw] of Object.entries(errors as Record<string, unknown>)) {
      if (fieldErrors.length >= MAX_FIELD_ERRORS) break;
      const field = cleanMessage(rawField, MAX_FIELD_LENGTH);
      const message = cleanMessage(raw, MAX_MESSAGE_LENGTH);
      if (field && message) fieldErrors.push({ field, message });
    }
  }
  return { messages, fieldErrors };
}

function codeFor(status: number): ErrorCode {
  if (status === 401) return 'JIRA_UNAUTHORIZED';
  if (status === 403) return 'JIRA_FORBIDDEN';
  if (status === 404 || status === 410) return 'JIRA_NOT_FOUND';
  if (status === 429) return 'JIRA_RATE_LIMITED';
  if (status >= 500) return 'JIRA_UNAVAILABLE';
  return 'JIRA_VALIDATION';
}

const NEXT_STEP: Partial<Record<ErrorCode, string>> = {
  JIRA_UNAUTHORIZED: 'Check the connection credentials (POST /v1/connections/{name}/test).',
  JIRA_FORBIDDEN: 'The Jira account lacks permission for this; ask a Jira admin to grant it.',
  JIRA_NOT_FOUND: 'Check the key or id, and that the Jira account can see it.',
  JIRA_RATE_LIMITED: 'Retry after the indicated delay.',
  JIRA_UNAVAILABLE: 'Jira is not answering properly; retry later.',
};

/**
 * The one place a Jira error answer becomes a contract error: code by status, and the Jira
 * status kept for the audit. Only a validation answer (a 4xx other than 401, 403, 404, 410 and
 * 429) passes Jira's own messages on — as detail, and field messages as fieldErrors, bounded.
 * Other answers say what to do next in the relay's words: a 5xx body (an HTML page, a Java
 * stack trace) or a gateway message is never shown to the caller.
 */
export function jiraError(
  status: number,
  body: unknown,
  options: {
    retryAfter?: number;
    /**
     * A write Jira answered 5xx: it may have been made before Jira (or a proxy in front of it)
     * failed, so the caller is told to check Jira rather than to retry, which could duplicate it.
     */
    maybeApplied?: boolean;
  } = {},
): AppError {
  const code = codeFor(status);
  const { messages, fieldErrors } =
    code === 'JIRA_VALIDATION'
      ? validationMessagesOf(body)
      : { messages: [], fieldErrors: [] as FieldError[] };
  const said = [...messages, ...fieldErrors.map((e) => `${e.field}: ${e.message}`)].join('; ');
  let detail = `Jira answered ${status}${said ? `: ${said}` : '.'}`;
  if (detail.length > MAX_DETAIL) detail = `${detail.slice(0, MAX_DETAIL - 1)}…`;
  const next =
    code === 'JIRA_UNAVAILABLE' && options.maybeApplied
      ? 'Jira may have made the change before failing, so it was not repeated; check Jira before retrying.'
      : NEXT_STEP[code];
  return new AppError(code, next ? `${detail} ${next}` : detail, {
    jiraStatus: status,
    ...(fieldErrors.length ? { fieldErrors } : {}),
    ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
  });
}

export function jiraUnavailable(detail: string, cause?: unknown): AppError {
  return new AppError('JIRA_UNAVAILABLE', detail, { cause });
}

/**
 * No HTTP answer came from Jira. The detail is the same whatever the network said (refused,
 * unreachable, unknown host, certificate, timeout): the cause stays in the log only.
 */
export function jiraUnreachable(maybeSent: boolean, cause: unknown): AppError {
  const what = 'The relay could not connect to Jira, or Jira did not answer.';
  return jiraUnavailable(
    maybeSent
      ? `${what} The request may have reached Jira, so it was not repeated; check Jira before retrying.`
      : `${what} If the connection worked before, Jira is slow or down: retry later; otherwise check the connection's base URL.`,
    cause,
  );
}

/**
 * A request the HTTP client cannot send. Nothing left the relay. A credential that no header
 * can carry needs the admin; anything else is the relay's own fault.
 */
export function unsendableRequest(header: string | undefined, cause?: unknown): AppError {
  if (header === 'authorization') {
    return new AppError(
      'CONNECTION_NEEDS_REAUTH',
      'The credentials stored for this connection contain characters that cannot be sent to Jira (a line break, another control character, or a character beyond Latin-1). An admin connects it again with the credentials exactly as Jira shows them.',
      { cause },
    );
  }
  return new AppError(
    'INTERNAL',
    'The relay could not build a valid request to Jira; nothing was sent. Quote the request id when reporting it.',
    { cause },
  );
}
