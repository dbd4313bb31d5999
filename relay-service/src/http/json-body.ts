import express, { type RequestHandler } from 'express';
import { AppError } from '../lib/errors';

/**
 * How deeply a JSON body may nest (objects and arrays). The deepest body the contract needs is
 * a bulk create's record with five relationship levels (about ten); past this limit the body is
 * refused before anything recursive (validation, fingerprinting, logging) walks it.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * How many members one JSON object in a body may have. The largest the contract needs is a
 * record's fields (at most 1,000, see MAX_RECORD_FIELDS). Validating an object costs time per
 * member, so a body of a hundred thousand tiny members is refused before validation starts.
 */
export const MAX_JSON_OBJECT_MEMBERS = 1_000;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Why JSON text is too deep or too wide, or undefined. One pass, no recursion; brackets and
 * colons inside strings are skipped. Only valid JSON needs counting right: anything else
 * fails to parse anyway.
 */
export function jsonShapeProblem(text: string): string | undefined {
  // Per open container: its member count when it is an object, -1 when it is an array.
  const open: number[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i += 1;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      open.push(c === 0x7b ? 0 : -1);
      if (open.length > MAX_JSON_DEPTH)
        return `nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;
    } else if (c === 0x7d || c === 0x5d) open.pop();
    else if (c === 0x3a) {
      // A colon outside strings separates one object member's name from its value.
      const members = (open[open.length - 1] ?? 0) + 1;
      open[open.length - 1] = members;
      if (members > MAX_JSON_OBJECT_MEMBERS)
        return `has an object with more than ${MAX_JSON_OBJECT_MEMBERS} members`;
    }
  }
  return undefined;
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
  const problem = jsonShapeProblem(text);
  if (problem) throw new AppError('VALIDATION_FAILED', `The request body ${problem}.`);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', 'The request body is not valid JSON.', {
      cause: error,
    });
  }
}

/**
 * Body parser for the unsigned JSON routes (tenant registration): the bytes as sent, parsed
 * with the same rules as signed bodies. Any content type is read as JSON.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  const readRaw = express.raw({ type: () => true, limit: limitBytes, inflate: false });
  return (req, res, next) => {
    readRaw(req, res, (error?: unknown) => {
      if (error) {
        next(error);
        return;
      }
      try {
        const raw: unknown = req.body;
        req.body = Buffer.isBuffer(raw) && raw.length > 0 ? parseJsonBody(raw) : undefined;
        next();
      } catch (parseError) {
        next(parseError);
      }
    });
  };
}
