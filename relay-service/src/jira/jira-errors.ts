import { AppError, type ErrorCode, type FieldError } from '../lib/errors';

/** Jira's usual error body: `{"errorMessages":["…"],"errors":{"summary":"…"}}`. */
interface JiraErrorBody {
  errorMessages?: unknown;
  errors?: unknown;
  message?: unknown;
}

const MAX_DETAIL = 500;

function messagesOf(body: unknown): { messages: string[]; fieldErrors: FieldError[] } {
  const messages: string[] = [];
  const fieldErrors: FieldError[] = [];
  if (body && typeof body === 'object') {
    const { errorMessages, errors, message } = body as JiraErrorBody;
    if (Array.isArray(errorMessages)) {
      for (const m of errorMessages) if (typeof m === 'string' && m) messages.push(m);
    }
    if (errors && typeof errors === 'object' && !Array.isArray(errors)) {
      for (const [field, m] of Object.entries(errors as Record<string, unknown>)) {
        if (typeof m === 'string') fieldErrors.push({ field, message: m });
      }
    }
    // Atlassian's gateway (api.atlassian.com) answers {"code":401,"message":"…"}.
    if (typeof message === 'string' && message) messages.push(message);
  } else if (typeof body === 'string' && body.trim() && !body.trim().startsWith('<')) {
    messages.push(body.trim());
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
 * The one place a Jira error answer becomes a contract error: code by status, Jira's own
 * messages as detail, field messages as fieldErrors, and the Jira status kept for the audit.
 */
export function jiraError(
  status: number,
  body: unknown,
  options: { retryAfter?: number } = {},
): AppError {
  const code = codeFor(status);
  const { messages, fieldErrors } = messagesOf(body);
  const said = [...messages, ...fieldErrors.map((e) => `${e.field}: ${e.message}`)].join('; ');
  const detail = `Jira answered ${status}${said ? `: ${said}` : '.'} ${NEXT_STEP[code] ?? ''}`
    .trim()
    .slice(0, MAX_DETAIL);
  return new AppError(code, detail, {
    jiraStatus: status,
    ...(fieldErrors.length ? { fieldErrors } : {}),
    ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
  });
}

export function jiraUnavailable(detail: string, cause?: unknown): AppError {
  return new AppError('JIRA_UNAVAILABLE', detail, { cause });
}
