import { createHash } from 'node:crypto';
import type { OAuthOutcome } from '../connections/oauth-flow';
import { salesforceReturnUrl } from '../connections/return-url';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#181818}button{font:inherit;padding:.4rem .9rem;margin:.2rem 0;cursor:pointer}li{list-style:none;margin:.5rem 0}';

/**
 * The pages run no script and load nothing: only their own inline style (by hash) is allowed,
 * the site choice may only be posted back to the relay, and no one may frame them.
 */
export const OAUTH_PAGE_CSP = [
  "default-src 'none'",
  `style-src '${`sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}`}'`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

function page(title: string, body: string, returnUrl: string | null): string {
  // Only a Salesforce https URL is linked (rows from before the check may hold anything).
  const back = returnUrl === null ? undefined : salesforceReturnUrl(returnUrl);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
${back ? `<p><a href="${escapeHtml(back)}">Return to Salesforce</a></p>` : '<p>You can close this window.</p>'}
</body></html>`;
}

/** The small page the OAuth steps answer with. Every dynamic value is escaped; no secrets. */
export function renderOAuthPage(outcome: OAuthOutcome): { status: number; html: string } {
  switch (outcome.kind) {
    case 'connected':
      return {
        status: 200,
        html: page(
          'Jira connected',
          `<p>Connection <strong>${escapeHtml(outcome.connection.name)}</strong> now uses the Jira site <strong>${escapeHtml(outcome.site.name)}</strong> (${escapeHtml(outcome.site.url)}).</p>`,
          outcome.returnUrl,
        ),
      };
    case 'userConnected':
      return {
        status: 200,
        html: page(
          'Your Jira account is connected',
          `<p>Actions you take through connection <strong>${escapeHtml(outcome.connectionName)}</strong> now run in Jira as <strong>${escapeHtml(outcome.account.displayName)}</strong> on ${escapeHtml(outcome.site.url)}.</p>`,
          outcome.returnUrl,
        ),
      };
    case 'pick': {
      const choices = outcome.sites
        .map(
          (site) =>
            `<li><button type="submit" name="cloudId" value="${escapeHtml(site.cloudId)}">${escapeHtml(site.name)}</button> ${escapeHtml(site.url)}</li>`,
        )
        .join('\n');
      // Relative action: works behind any base path the relay is published under.
      return {
        status: 200,
        html: page(
          'Choose the Jira site',
          `<p>Your Atlassian account reaches several Jira sites. Choose the one connection <strong>${escapeHtml(outcome.connectionName)}</strong> should use.</p>
<form method="post" action="callback/select"><input type="hidden" name="pick" value="${escapeHtml(outcome.pickToken)}">
<ul>${choices}</ul></form>`,
          outcome.returnUrl,
        ),
      };
    }
    case 'failed':
      return {
        status: 400,
        html: page(
          'Jira was not connected',
          `<p>${escapeHtml(outcome.message)}</p>`,
          outcome.returnUrl,
        ),
      };
    case 'expired':
      return {
        status: 400,
        html: page(
          'This link has expired',
          `<p>${escapeHtml(outcome.message)}</p>`,
          outcome.returnUrl,
        ),
      };
    case 'wrongBrowser':
      return {
        status: 403,
        html: page(
          'Finish in the browser that started',
          `<p>${escapeHtml(outcome.message)}</p>`,
          outcome.returnUrl,
        ),
      };
  }
}
