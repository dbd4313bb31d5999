import type { Request } from 'express';
import type { RelayCaller } from './request-context';

/** The verified caller; routes mounted behind the signature check always have one. */
export function callerOf(req: Request): RelayCaller {
  if (!req.caller) throw new Error('route mounted without the signature check');
  return req.caller;
}
