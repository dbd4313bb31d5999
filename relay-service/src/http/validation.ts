import type { z } from 'zod';
import { AppError, listForMessage, type FieldError } from '../lib/errors';

export function fieldErrorsOf(error: z.ZodError, prefix = ''): FieldError[] {
  return error.issues.map((issue) => ({
    field: [prefix, ...issue.path.map(String)].filter(Boolean).join('.') || '(root)',
    message: issue.message,
  }));
}

/** Parses input with a zod schema or throws VALIDATION_FAILED naming every bad field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  input: unknown,
  where: 'body' | 'query' | 'path' | 'header',
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fieldErrors = fieldErrorsOf(result.error, where === 'body' ? '' : where);
  throw new AppError(
    'VALIDATION_FAILED',
    `The request ${where} is invalid: ${listForMessage(
      fieldErrors.map((e) => `${e.field}: ${e.message}`),
      '; ',
    )}`,
    {
      fieldErrors,
    },
  );
}
