import { z } from 'zod';
import { SALESFORCE_DOMAINS, salesforceUrl } from '../lib/salesforce-urls';

/**
 * The URL the OAuth pages link back to, as the relay will write it, or undefined when it is not
 * an https URL on a Salesforce host (the same check as a record's URL, see salesforceUrl):
 * judged on the parsed URL, never on the text, so user info
 * (`https://acme.force.com@evil.example`), an explicit port, `evilforce.com` and
 * `acme.force.com.evil.example` are all refused.
 */
export function salesforceReturnUrl(value: string): string | undefined {
  return salesforceUrl(value)?.href;
}

/** POST /v1/connections/{name}/oauth/start */
export const oauthStartBody = z.strictObject({
  returnUrl: z
    .string({ error: 'expected the URL of the Salesforce page to return to' })
    .max(2048)
    .transform((value, ctx) => {
      const url = salesforceReturnUrl(value);
      if (url === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `expected an https URL on a Salesforce host (${SALESFORCE_DOMAINS.map((d) => `*.${d}`).join(', ')}) without user info or port`,
        });
        return z.NEVER;
      }
      return url;
    }),
});
