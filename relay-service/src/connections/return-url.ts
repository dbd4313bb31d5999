import { z } from 'zod';

/**
 * Hosts a Salesforce setup screen is served from: My Domain (`*.my.salesforce.com`), Lightning
 * (`*.lightning.force.com`), Visualforce (`*.vf.force.com`), Experience Cloud sites
 * (`*.my.site.com`) and Setup (`*.salesforce-setup.com`).
 */
export const SALESFORCE_HOST_SUFFIXES = [
  '.salesforce.com',
  '.force.com',
  '.my.site.com',
  '.salesforce-setup.com',
] as const;

/**
 * The URL the OAuth pages link back to, as the relay will write it, or undefined when it is not
 * an https URL on a Salesforce host. Judged on the parsed URL, never on the text: no user info
 * (`https://acme.force.com@evil.example`), no explicit port, and the host name must end with
 * one of the suffixes (`evilforce.com` and `acme.force.com.evil.example` do not).
 */
export function salesforceReturnUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return undefined;
  const host = url.hostname.toLowerCase();
  return SALESFORCE_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix)) ? url.href : undefined;
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
          message: `expected an https URL on a Salesforce host (*${SALESFORCE_HOST_SUFFIXES.join(', *')}) without user info or port`,
        });
        return z.NEVER;
      }
      return url;
    }),
});
