import type { ConnectionView } from './connection-service';

/** A Jira site a grant reaches (Cloud), or the Data Center instance a connection uses. */
export interface OAuthSite {
  /** Atlassian's cloud id; empty for a Jira Data Center instance. */
  cloudId: string;
  name: string;
  url: string;
  scopes: string[];
}

/** What the callback page shows. Never carries a token. */
export type OAuthOutcome =
  | { kind: 'connected'; connection: ConnectionView; site: OAuthSite; returnUrl: string | null }
  /** A Salesforce user connected their own Atlassian account to a connection (issue #16). */
  | {
      kind: 'userConnected';
      connectionName: string;
      account: { displayName: string };
      site: OAuthSite;
      returnUrl: string | null;
    }
  | {
      kind: 'pick';
      sites: OAuthSite[];
      pickToken: string;
      connectionName: string;
      returnUrl: string | null;
    }
  /** The flow was tried and did not connect; nothing was changed. */
  | { kind: 'failed'; message: string; returnUrl: string | null }
  /** The link or state is unknown, expired or used: only a new start helps. */
  | { kind: 'expired'; message: string; returnUrl: string | null }
  /** A valid state arrived from a browser that did not open the start link; it stays usable. */
  | { kind: 'wrongBrowser'; message: string; returnUrl: string | null };

export function failed(message: string, returnUrl: string | null = null): OAuthOutcome {
  return { kind: 'failed', message, returnUrl };
}

export function expired(message: string, returnUrl: string | null = null): OAuthOutcome {
  return { kind: 'expired', message, returnUrl };
}
