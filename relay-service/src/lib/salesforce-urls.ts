import { z } from 'zod';

/**
 * A record URL is sent to Jira (remote links, comment attributions, `{{$Record.Url}}`) where
 * people click it, and no template controls it: it must lead to Salesforce and nowhere else.
 * Salesforce serves orgs on these domains: My Domain and instances (`*.my.salesforce.com`,
 * `*.salesforce.com`), Lightning and Visualforce (`*.lightning.force.com`, `*.force.com`),
 * Experience Cloud sites (`*.my.site.com`) and Setup (`*.salesforce-setup.com`).
 */
export const SALESFORCE_DOMAINS = [
  'salesforce.com',
  'force.com',
  'my.site.com',
  'salesforce-setup.com',
] as const;

const MAX_URL_LENGTH = 2048;

/** The URL in its canonical form when it is an https URL on a Salesforce domain. */
export function salesforceUrl(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' || url.username || url.password || url.port) return undefined;
  const host = url.hostname;
  const onSalesforce = SALESFORCE_DOMAINS.some(
    (domain) => host.endsWith(`.${domain}`) && host.length > domain.length + 1,
  );
  return onSalesforce ? url : undefined;
}

/**
 * A record's URL from Apex: https, on a Salesforce domain, no credentials or port. What goes on
 * is the parsed URL's canonical form, so Jira and browsers read the same host the check read.
 */
export const salesforceRecordUrlSchema = z
  .string()
  .max(MAX_URL_LENGTH)
  .transform((raw, ctx) => {
    const url = salesforceUrl(raw);
    if (!url) {
      ctx.addIssue({
        code: 'custom',
        message: `expected the https URL of the record on the org's Salesforce domain (${SALESFORCE_DOMAINS.map((d) => `*.${d}`).join(', ')})`,
      });
      return z.NEVER;
    }
    return url.href;
  });
