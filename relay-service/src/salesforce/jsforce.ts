import type * as Jsforce from 'jsforce';

let loaded: typeof Jsforce | undefined;

/**
 * jsforce, loaded on first use. It is the relay's largest dependency (~28 MB resident on its
 * own) and only a tenant's outbox sending to Salesforce (or a JWT bearer sign-in) needs it, so a
 * relay that has not talked to Salesforce yet does not carry it.
 */
export function jsforce(): typeof Jsforce {
  // A lazy require, not import(): the relay compiles to CommonJS and Jest runs it without ESM.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('jsforce') as typeof Jsforce;
  return loaded;
}
