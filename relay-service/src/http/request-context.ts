import type { RelayCaller } from '../audit/audit-recorder';

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    /** Set once the request's signature has been verified. */
    caller?: RelayCaller;
    /** Set when the body did not arrive in time and a 408 was already answered. */
    bodyTimedOut?: boolean;
  }
}

export {};
