import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { OAuthCredentials } from '../jira/auth/credentials';
import { freshOAuthAuth } from '../jira/auth/oauth';
import { myself } from '../jira/endpoints/platform';
import type { JiraClients } from '../jira/jira-client';
import type { AccessibleResource, AtlassianOAuth, TokenSet } from '../jira/oauth/atlassian-oauth';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import type { Store } from '../store/store';
import type { Vault } from '../vault/vault';
import type { ActionContext, ConnectionService, ConnectionView } from './connection-service';

/** How long an authorize link, and a site choice after it, stays usable. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

const JIRA_SCOPE = /jira/;

export interface OAuthSite {
  cloudId: string;
  name: string;
  url: string;
  scopes: string[];
}

/** What the callback page shows. Never carries a token. */
export type OAuthOutcome =
  | { kind: 'connected'; connection: ConnectionView; site: OAuthSite; returnUrl: string | null }
  | {
      kind: 'pick';
      sites: OAuthSite[];
      pickToken: string;
      connectionName: string;
      returnUrl: string | null;
    }
  | { kind: 'failed'; message: string; returnUrl: string | null };

const sitesSchema = z.array(
  z.object({ cloudId: z.string(), name: z.string(), url: z.string(), scopes: z.array(z.string()) }),
);

const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
const pickRef = (tokenHash: string) => `oauth-pick/${tokenHash}`;

export interface OAuthConnectFlowDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  jira: JiraClients;
  connections: ConnectionService;
  /** Undefined when the relay has no Atlassian OAuth app configured. */
  oauth: AtlassianOAuth | undefined;
  apiUrl: string;
}

/**
 * Connecting Jira Cloud by OAuth 2.0 (3LO). The state is random, single-use, expires after ten
 * minutes, is stored only as a hash and is bound to the tenant, the connection name and the
 * admin who started; the callback trusts nothing else.
 */
export class OAuthConnectFlow {
  constructor(private readonly deps: OAuthConnectFlowDeps) {}

  private requireOAuth(): AtlassianOAuth {
    if (!this.deps.oauth) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'This relay has no Atlassian OAuth app configured (ATLASSIAN_CLIENT_ID / ATLASSIAN_CLIENT_SECRET). Use an API token, or ask the relay operator.',
      );
    }
    return this.deps.oauth;
  }

  async start(
    context: ActionContext,
    connectionName: string,
    returnUrl: string | undefined,
  ): Promise<{ authorizeUrl: string; expiresAt: string }> {
    const oauth = this.requireOAuth();
    if (context.userId === '-') {
      throw new AppError(
        'VALIDATION_FAILED',
        'OAuth is started by an admin user: X-Relay-User must name the Salesforce user.',
        { fieldErrors: [{ field: 'header.x-relay-user', message: 'expected a user id' }] },
      );
    }
    const now = this.deps.clock.now();
    const state = randomBytes(32).toString('base64url');
    await this.deps.store.db
      .insertInto('oauth_states')
      .values({
        state_hash: hash(state),
        kind: 'authorize',
        org_id: context.orgId,
        connection_name: connectionName,
        user_id: context.userId,
        return_url: returnUrl ?? null,
        sites: null,
        created_at: now,
        expires_at: now + OAUTH_STATE_TTL_MS,
        used_at: null,
      })
      .execute();
    await this.purgeExpired(now);
    return {
      authorizeUrl: oauth.authorizeUrl(state),
      expiresAt: new Date(now + OAUTH_STATE_TTL_MS).toISOString(),
    };
  }

  /** Atlassian's redirect: `?code=…&state=…`, or `?error=…&state=…` when the admin declined. */
  async callback(
    query: { code?: string; state?: string; error?: string },
    requestId: string,
  ): Promise<OAuthOutcome> {
    const oauth = this.requireOAuth();
    const claimed = query.state ? await this.claim(query.state, 'authorize') : undefined;
    if (!claimed) {
      return failed(
        'This authorization link is invalid, expired or already used. Start again from the Jira setup screen in Salesforce.',
      );
    }
    const context: ActionContext = {
      orgId: claimed.org_id,
      userId: claimed.user_id,
      requestId,
    };
    const started = this.deps.clock.now();
    const returnUrl = claimed.return_url;
    if (query.error || !query.code) {
      return failed('Authorization was not granted in Atlassian. Nothing was changed.', returnUrl);
    }

    let tokens: TokenSet;
    let sites: OAuthSite[];
    try {
      tokens = await oauth.exchangeCode(query.code);
      sites = (await oauth.accessibleResources(tokens.accessToken))
        .filter((r) => r.scopes.length === 0 || r.scopes.some((s) => JIRA_SCOPE.test(s)))
        .map(toSite);
    } catch (error) {
      await this.deps.connections.audit(
        context,
        'Connect',
        claimed.connection_name,
        started,
        error,
      );
      this.deps.logger.warn({ err: error, requestId }, 'oauth code exchange failed');
      return failed(
        'Atlassian did not complete the authorization. Nothing was changed; start again.',
        returnUrl,
      );
    }
    if (sites.length === 0) {
      return failed(
        'The Atlassian account granted access to no Jira site. Nothing was changed.',
        returnUrl,
      );
    }
    if (sites.length === 1) {
      return this.complete(
        context,
        claimed.connection_name,
        tokens,
        sites[0] as OAuthSite,
        returnUrl,
      );
    }

    // Several sites: hold the tokens in the vault until the admin picks one.
    const pickToken = randomBytes(32).toString('base64url');
    const pickHash = hash(pickToken);
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      await this.deps.vault.put(pickRef(pickHash), JSON.stringify(tokens), tx);
      await tx
        .insertInto('oauth_states')
        .values({
          state_hash: pickHash,
          kind: 'pick',
          org_id: claimed.org_id,
          connection_name: claimed.connection_name,
          user_id: claimed.user_id,
          return_url: returnUrl,
          sites: JSON.stringify(sites),
          created_at: now,
          expires_at: now + OAUTH_STATE_TTL_MS,
          used_at: null,
        })
        .execute();
    });
    return { kind: 'pick', sites, pickToken, connectionName: claimed.connection_name, returnUrl };
  }

  /** The admin chose one of several sites on the callback page. */
  async pick(pickToken: string, cloudId: string, requestId: string): Promise<OAuthOutcome> {
    const claimed = await this.claim(pickToken, 'pick');
    if (!claimed) {
      return failed('This choice expired or was already made. Start again from Salesforce.');
    }
    const pickHash = hash(pickToken);
    const json = await this.deps.vault.get(pickRef(pickHash));
    await this.deps.vault.delete(pickRef(pickHash));
    const site = sitesSchema
      .parse(JSON.parse(claimed.sites ?? '[]'))
      .find((s) => s.cloudId === cloudId);
    if (!json || !site) {
      return failed('That site was not offered. Start again from Salesforce.', claimed.return_url);
    }
    return this.complete(
      { orgId: claimed.org_id, userId: claimed.user_id, requestId },
      claimed.connection_name,
      JSON.parse(json) as TokenSet,
      site,
      claimed.return_url,
    );
  }

  private async complete(
    context: ActionContext,
    connectionName: string,
    tokens: TokenSet,
    site: OAuthSite,
    returnUrl: string | null,
  ): Promise<OAuthOutcome> {
    const started = this.deps.clock.now();
    const apiBase = `${this.deps.apiUrl}/ex/jira/${encodeURIComponent(site.cloudId)}`;
    const scopes = tokens.scopes.length ? tokens.scopes : site.scopes;
    try {
      const probe = this.deps.jira.probe({
        deployment: 'cloud',
        apiBase,
        siteUrl: site.url,
        auth: freshOAuthAuth(tokens.accessToken),
        trustedHost: true,
      });
      let account;
      try {
        account = await myself(probe.api);
      } finally {
        await probe.close();
      }
      const now = this.deps.clock.now();
      const credentials: OAuthCredentials = {
        method: 'oauth',
        accessToken: tokens.accessToken,
        refreshToken: tokens.refreshToken,
        accessTokenExpiresAt: now + tokens.expiresInSeconds * 1000,
        scopes,
      };
      const connection = await this.deps.connections.save(context, credentials, {
        name: connectionName,
        deployment: 'cloud',
        baseUrl: apiBase,
        siteUrl: site.url,
        cloudId: site.cloudId,
        authMethod: 'oauth',
        scopes,
        account,
        warnings: tokens.refreshToken
          ? []
          : [
              'Atlassian granted no refresh token (offline_access): the connection stops working when the access token expires.',
            ],
        expiresAt: null,
      });
      await this.deps.connections.audit(context, 'Connect', connectionName, started);
      return { kind: 'connected', connection, site, returnUrl };
    } catch (error) {
      await this.deps.connections.audit(context, 'Connect', connectionName, started, error);
      this.deps.logger.warn({ err: error, requestId: context.requestId }, 'oauth connect failed');
      return failed(
        error instanceof AppError
          ? `Jira refused the new connection: ${error.detail}`
          : 'The connection could not be saved. Start again.',
        returnUrl,
      );
    }
  }

  /** Marks a state used, exactly once, if it exists, has this kind and has not expired. */
  private async claim(token: string, kind: 'authorize' | 'pick') {
    const now = this.deps.clock.now();
    const stateHash = hash(token);
    const result = await this.deps.store.db
      .updateTable('oauth_states')
      .set({ used_at: now })
      .where('state_hash', '=', stateHash)
      .where('kind', '=', kind)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return undefined;
    return this.deps.store.db
      .selectFrom('oauth_states')
      .selectAll()
      .where('state_hash', '=', stateHash)
      .executeTakeFirst();
  }

  private async purgeExpired(now: number): Promise<void> {
    // Used states are kept until they expire so a replay is recognised as such.
    const stale = await this.deps.store.db
      .selectFrom('oauth_states')
      .select('state_hash')
      .where('expires_at', '<', now)
      .where('kind', '=', 'pick')
      .execute();
    await this.deps.store.transaction(async (tx) => {
      for (const { state_hash } of stale) await this.deps.vault.delete(pickRef(state_hash), tx);
      await tx.deleteFrom('oauth_states').where('expires_at', '<', now).execute();
    });
  }
}

function toSite(resource: AccessibleResource): OAuthSite {
  return {
    cloudId: resource.id,
    name: resource.name,
    url: resource.url.replace(/\/+$/, ''),
    scopes: resource.scopes,
  };
}

function failed(message: string, returnUrl: string | null = null): OAuthOutcome {
  return { kind: 'failed', message, returnUrl };
}
