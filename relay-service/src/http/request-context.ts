/** What the relay's middleware attaches to a request. */
export interface RelayCaller {
  orgId: string;
  /** Salesforce user id, or "-" for automation. */
  userId: string;
}

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
