import { AppError } from '../lib/errors';

/**
 * How deeply a JSON body may nest (objects and arrays). The deepest body the contract needs is
 * a bulk create's record with five relationship levels (about ten); past this limit the body is
 * refused before anything recursive (validation, fingerprinting, logging) walks it.
 */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * True when JSON text nests deeper than `max`. One pass, no recursion; brackets inside strings
 * are skipped. Only valid JSON needs counting right: anything else fails to parse anyway.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth -= 1;
  }
  return false;
}

/** The value of a UTF-8 JSON body, or VALIDATION_FAILED saying what is wrong with the bytes. */
export function parseJsonBody(raw: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', 'The request body is not valid UTF-8.', {
      cause: error,
    });
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', 'The request body is not valid JSON.', {
      cause: error,
    });
  }
}
