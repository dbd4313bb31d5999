import type { z } from 'zod';
import { jiraUnavailable } from '../jira-errors';
import type { JiraResponse } from '../transport';

/**
 * Checks a Jira answer against the shape the relay relies on, so a surprising answer fails
 * loudly here instead of deep inside an operation.
 */
export function parseJira<S extends z.ZodType>(
  schema: S,
  response: JiraResponse,
  what: string,
): z.output<S> {
  const parsed = schema.safeParse(response.body);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  throw jiraUnavailable(`Jira answered ${what} in an unexpected shape (${where}).`, parsed.error);
}
