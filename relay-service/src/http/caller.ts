import type { Request } from 'express';
import type { OperationCaller } from '../audit/audit-recorder';
import type { RelayCaller } from '../audit/audit-recorder';

/** The verified caller; routes mounted behind the signature check always have one. */
export function callerOf(req: Request): RelayCaller {
  if (!req.caller) throw new Error('route mounted without the signature check');
  return req.caller;
}

/** The verified caller with the request's id: who an operation acts for, and its audit key. */
export function operationCallerOf(req: Request): OperationCaller {
  return { ...callerOf(req), requestId: req.requestId };
}
