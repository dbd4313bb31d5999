import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { z } from 'zod';
import { pkceVerifierRef, type OAuthCredentials } from '../jira/auth/credentials';
import { freshOAuthAuth } from '../jira/auth/oauth';
import { myself } from '../jira/endpoints/platform';
import type { JiraClients } from '../jira/jira-client';
import type { AccessibleResource, AtlassianOAuth } from '../jira/oauth/atlassian-oauth';
import type { TokenSet } from '../jira/oauth/token-endpoint';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import { findConnection } from '../store/connection-repository';
import type { OAuthStatesTable } from '../store/schema';
import type { Store } from '../store/store';
import type { Vault } from '../vault/vault';
import type { OperationCaller } from '../audit/audit-recorder';
import type { ConnectionService } from './connection-service';
import type { UserGrantService } from './user-grants';
import { isDataCenterOAuth, type DataCenterAuthorization } from './datacenter-authorization';
import { expired, failed, type OAuthOutcome, type OAuthSite } from './oauth-outcome';

/** How long the relay's start link stays unopened before it is refused. */
export const OAUTH_START_TTL_MS = 5 * 60 * 1000;
/** How long Atlassian's consent, and a site choice after it, may take once the link is opened. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

const JIRA_SCOPE = /jira/;
/** Atlassian cloud ids are UUIDs; anything else would change the API path it is put in. */
const CLOUD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type { OAuthOutcome, OAuthSite } from './oauth-outcome';

/** Opening the start link: where to send the browser and the secret to bind it with. */
export type OAuthOpening =
  { kind: 'redirect'; location: string; browserSecret: string; maxAgeMs: number } | OAuthOutcome;

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
  /** Users' own grants: a user's OAuth ends there (issue #16). */
  userGrants: UserGrantService;
  /** Undefined when the relay has no Atlassian OAuth app configured. */
  oauth: AtlassianOAuth | undefined;
  apiUrl: string;
  /** RELAY_PUBLIC_URL: the start link is built on it. */
  publicUrl: string;
  /** The Jira Data Center side (incoming application links, PKCE). */
  dataCenter: DataCenterAuthorization;
}

/**
 * Connecting Jira by OAuth 2.0 — Cloud through Atlassian (3LO), Server/Data Center through the
 * instance's own provider (a connection saved with an incoming link's client, see
 * DataCenterAuthorization for what differs) — in three steps:
 *
 * 1. `start` (signed, from Salesforce): stores a start token (hash only) bound to the tenant,
 *    the connection name, the admin and the Salesforce page to return to, and answers a link to
 *    the relay's own `/oauth/start?token=…`, valid for five minutes and usable once.
 * 2. `open` (the admin's browser follows that link): uses the start token up, makes the OAuth
 *    state and a random browser secret, stores both as hashes (the state expires after ten
 *    minutes), and sends the browser to Atlassian with the secret in an HttpOnly cookie. The
 *    state exists only from here on and only in this browser's redirect: whoever else reads the
 *    start link later finds it used, and nobody can bind a state to another browser.
 * 3. `callback` (Atlassian sends the browser back): the state must be known, unused and
 *    unexpired, and the browser must present the cookie whose hash the state was stored with.
 *    Without it nothing is exchanged or stored and the state is not used up, so a forged or
 *    leaked redirect achieves nothing and the admin's own browser can still finish.
 *
 * A site choice after the callback (several sites) is bound to the same browser secret.
 */
export class OAuthConnectFlow {
  constructor(private readonly deps: OAuthConnectFlowDeps) {}

  /** Whether the relay's public URL is plain-http loopback (development): no Secure cookie then. */
  /** The Redirect URL an OAuth provider sends the browser back to (Atlassian app, Jira link). */
  get redirectUrl(): string {
    return `${this.deps.publicUrl}/oauth/callback`;
  }

  get servesPlainLoopback(): boolean {
    const url = new URL(this.deps.publicUrl);
    return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  }

  private requireOAuth(): AtlassianOAuth {
    if (!this.deps.oauth) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'This relay has no Atlassian OAuth app configured (ATLASSIAN_CLIENT_ID / ATLASSIAN_CLIENT_SECRET). Use an API token, or ask the relay operator.',
      );
    }
    return this.deps.oauth;
  }

  /** Step 1. `returnUrl` is already checked to be an https Salesforce URL. */
  async start(
    context: OperationCaller,
    connectionName: string,
    returnUrl: string,
  ): Promise<{ authorizeUrl: string; expiresAt: string }> {
    const connection = await findConnection(this.deps.store.db, context.orgId, connectionName);
    // A Data Center connection authorizes at its own Jira: no Atlassian app is needed.
    if (!isDataCenterOAuth(connection)) this.requireOAuth();
    if (context.userId === '-') {
      throw new AppError(
        'VALIDATION_FAILED',
        'OAuth is started by an admin user: X-Relay-User must name the Salesforce user.',
        { fieldErrors: [{ field: 'header.x-relay-user', message: 'expected a user id' }] },
      );
    }
    return this.insertStart(context, connectionName, returnUrl, 'start');
  }

  /**
   * Step 1 for a Salesforce user connecting their own Atlassian account to a Cloud connection
   * (issue #16): the same single-use start link, bound to the user; the callback stores the
   * grant for that user only.
   */
  async startForUser(
    context: OperationCaller,
    connectionName: string,
    returnUrl: string,
  ): Promise<{ authorizeUrl: string; expiresAt: string }> {
    await this.deps.userGrants.checkConnectable(context, connectionName, 'oauth');
    this.requireOAuth();
    return this.insertStart(context, connectionName, returnUrl, 'user-start');
  }

  private async insertStart(
    context: OperationCaller,
    connectionName: string,
    returnUrl: string,
    kind: 'start' | 'user-start',
  ): Promise<{ authorizeUrl: string; expiresAt: string }> {
    const now = this.deps.clock.now();
    const startToken = randomBytes(32).toString('base64url');
    await this.deps.store.db
      .insertInto('oauth_states')
      .values({
        state_hash: hash(startToken),
        kind,
        org_id: context.orgId,
        connection_name: connectionName,
        user_id: context.userId,
        return_url: returnUrl,
        sites: null,
        created_at: now,
        expires_at: now + OAUTH_START_TTL_MS,
        used_at: null,
        browser_hash: null,
      })
      .execute();
    await this.purgeExpired(now);
    const link = new URL(`${this.deps.publicUrl}/oauth/start`);
    link.searchParams.set('token', startToken);
    return {
      authorizeUrl: link.toString(),
      expiresAt: new Date(now + OAUTH_START_TTL_MS).toISOString(),
    };
  }

  /** Step 2: the admin's browser opened the start link. */
  async open(startToken: string): Promise<OAuthOpening> {
    const state = randomBytes(32).toString('base64url');
    const browserSecret = randomBytes(32).toString('base64url');
    const opened = await this.deps.store.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const startHash = hash(startToken);
      const used = await tx
        .updateTable('oauth_states')
        .set({ used_at: now })
        .where('state_hash', '=', startHash)
        .where('kind', 'in', ['start', 'user-start'])
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      const row = await tx
        .selectFrom('oauth_states')
        .selectAll()
        .where('state_hash', '=', startHash)
        .where('kind', 'in', ['start', 'user-start'])
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1 || !row) return { row, bound: false };
      // Decided now, from the connection as stored: Jira Data Center or Atlassian.
      const connection = await findConnection(tx, row.org_id, row.connection_name);
      // A user's own grant is always Atlassian's (Server/DC users save a PAT instead).
      const forUser = row.kind === 'user-start';
      const dataCenter = !forUser && isDataCenterOAuth(connection) ? connection : undefined;
      await tx
        .insertInto('oauth_states')
        .values({
          state_hash: hash(state),
          kind: forUser ? 'user-authorize' : dataCenter ? 'dc-authorize' : 'authorize',
          org_id: row.org_id,
          connection_name: row.connection_name,
          user_id: row.user_id,
          return_url: row.return_url,
          sites: null,
          created_at: now,
          expires_at: now + OAUTH_STATE_TTL_MS,
          used_at: null,
          browser_hash: hash(browserSecret),
        })
        .execute();
      const location = dataCenter
        ? await this.deps.dataCenter.prepare(tx, dataCenter, hash(state), state)
        : this.requireOAuth().authorizeUrl(state);
      return { row, bound: true, location };
    });
    if (!opened.bound) {
      return expired(
        opened.row?.used_at
          ? 'This Jira authorization link was already opened. Start again from the Jira setup screen in Salesforce.'
          : 'This Jira authorization link is unknown or expired. Start again from the Jira setup screen in Salesforce.',
        opened.row?.return_url ?? null,
      );
    }
    if (!opened.location) {
      return failed(
        'This connection has no client id and secret of a Jira incoming application link stored. Save it again on the Jira setup screen in Salesforce.',
        opened.row?.return_url ?? null,
      );
    }
    return {
      kind: 'redirect',
      location: opened.location,
      browserSecret,
      maxAgeMs: OAUTH_STATE_TTL_MS,
    };
  }

  /**
   * Step 3, Atlassian's (or Jira Data Center's) redirect: `?code=…&state=…`, or
   * `?error=…&state=…` when the admin declined. `browserSecrets` are the values of the
   * browser's OAuth cookies.
   */
  async callback(
    query: { code?: string; state?: string; error?: string },
    browserSecrets: readonly string[],
    requestId: string,
  ): Promise<OAuthOutcome> {
    const claimed = await this.claim(
      query.state,
      ['authorize', 'dc-authorize', 'user-authorize'],
      browserSecrets,
      requestId,
    );
    if (claimed.kind !== 'claimed') return claimed;
    const { row } = claimed;
    if (row.kind === 'dc-authorize') return this.deps.dataCenter.complete(row, query, requestId);
    if (row.kind === 'user-authorize') return this.completeForUser(row, query, requestId);
    const oauth = this.requireOAuth();
    const context: OperationCaller = { orgId: row.org_id, userId: row.user_id, requestId };
    const started = this.deps.clock.now();
    const returnUrl = row.return_url;
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
      await this.deps.connections.audit(context, 'Connect', row.connection_name, started, error);
      this.deps.logger.warn({ err: error, requestId }, 'oauth code exchange failed');
      return failed(
        'Atlassian did not complete the authorization. Nothing was changed; start again.',
        returnUrl,
      );
    }
    // A site URL becomes every issue's link and the cloud id part of every API path: an
    // answer that is not https and a UUID is refused whole, not partly trusted.
    const unsafe = sites.map(unsafeSiteReason).find((reason) => reason !== undefined);
    if (unsafe) {
      await this.deps.connections.audit(
        context,
        'Connect',
        row.connection_name,
        started,
        new AppError('JIRA_VALIDATION', unsafe),
      );
      this.deps.logger.warn({ requestId }, 'oauth connect refused: unsafe accessible resource');
      return failed(`${unsafe} Nothing was changed.`, returnUrl);
    }
    if (sites.length === 0) {
      return failed(
        'The Atlassian account granted access to no Jira site. Nothing was changed.',
        returnUrl,
      );
    }
    if (sites.length === 1) {
      return this.complete(context, row.connection_name, tokens, sites[0] as OAuthSite, returnUrl);
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
          org_id: row.org_id,
          connection_name: row.connection_name,
          user_id: row.user_id,
          return_url: returnUrl,
          sites: JSON.stringify(sites),
          created_at: now,
          expires_at: now + OAUTH_STATE_TTL_MS,
          used_at: null,
          browser_hash: row.browser_hash,
        })
        .execute();
    });
    return { kind: 'pick', sites, pickToken, connectionName: row.connection_name, returnUrl };
  }

  /** The admin chose one of several sites on the callback page (in the same browser). */
  async pick(
    pickToken: string,
    cloudId: string,
    browserSecrets: readonly string[],
    requestId: string,
  ): Promise<OAuthOutcome> {
    const result = await this.claim(pickToken, ['pick'], browserSecrets, requestId);
    if (result.kind !== 'claimed') return result;
    const claimed = result.row;
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
    context: OperationCaller,
    connectionName: string,
    tokens: TokenSet,
    site: OAuthSite,
    returnUrl: string | null,
  ): Promise<OAuthOutcome> {
    const started = this.deps.clock.now();
    const scopes = tokens.scopes.length ? tokens.scopes : site.scopes;
    try {
      const { apiBase, account } = await this.readAccount(site, tokens.accessToken);
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
        accessTokenExpiresAt: credentials.accessTokenExpiresAt,
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

  /** The account a fresh access token acts as on the chosen site, read with myself. */
  private async readAccount(site: OAuthSite, accessToken: string) {
    const apiBase = `${this.deps.apiUrl}/ex/jira/${encodeURIComponent(site.cloudId)}`;
    const probe = this.deps.jira.probe({
      deployment: 'cloud',
      apiBase,
      siteUrl: site.url,
      auth: freshOAuthAuth(accessToken),
      trustedHost: true,
    });
    try {
      return { apiBase, account: await myself(probe.api) };
    } finally {
      await probe.close();
    }
  }

  /**
   * Step 3 of a user's own grant: the code is exchanged, the grant must reach the connection's
   * own Jira site (by cloud id, or by its URL for a token connection), and the account it acts
   * as is read with myself before the grant is stored for that user alone.
   */
  private async completeForUser(
    row: OAuthStatesTable,
    query: { code?: string; error?: string },
    requestId: string,
  ): Promise<OAuthOutcome> {
    const oauth = this.requireOAuth();
    const context: OperationCaller = { orgId: row.org_id, userId: row.user_id, requestId };
    const started = this.deps.clock.now();
    const returnUrl = row.return_url;
    const name = row.connection_name;
    if (query.error || !query.code) {
      return failed('Authorization was not granted in Atlassian. Nothing was changed.', returnUrl);
    }
    // After consent, a connect that fails is audited like a connection's: who tried, when, why.
    const refuse = async (error: AppError, message: string) => {
      await this.deps.userGrants.auditFailedConnect(context, name, started, error);
      return failed(message, returnUrl);
    };
    try {
      const connection = await findConnection(this.deps.store.db, row.org_id, name);
      if (!connection || connection.deployment !== 'cloud') {
        const message = `Connection "${name}" no longer exists. Nothing was changed.`;
        return await refuse(new AppError('CONNECTION_NOT_FOUND', message), message);
      }
      const tokens = await oauth.exchangeCode(query.code);
      const siteUrl = (connection.site_url ?? connection.base_url).replace(/\/+$/, '');
      const site = (await oauth.accessibleResources(tokens.accessToken))
        .map(toSite)
        .find((s) => (connection.cloud_id ? s.cloudId === connection.cloud_id : s.url === siteUrl));
      if (!site) {
        return await refuse(
          new AppError(
            'JIRA_FORBIDDEN',
            `The Atlassian account has no access to the connection's Jira site (${siteUrl}).`,
          ),
          `Your Atlassian account has no access to the Jira site of connection "${name}" (${siteUrl}). Nothing was changed; sign in to Atlassian with the account you use on that site and start again.`,
        );
      }
      const unsafe = unsafeSiteReason(site);
      if (unsafe) {
        return await refuse(
          new AppError('JIRA_VALIDATION', unsafe),
          `${unsafe} Nothing was changed.`,
        );
      }
      const { apiBase, account } = await this.readAccount(site, tokens.accessToken);
      const scopes = tokens.scopes.length ? tokens.scopes : site.scopes;
      await this.deps.userGrants.saveOAuthGrant(context, name, {
        credentials: {
          method: 'oauth',
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          accessTokenExpiresAt: this.deps.clock.now() + tokens.expiresInSeconds * 1000,
          scopes,
        },
        account,
        apiBase,
      });
      return { kind: 'userConnected', connectionName: name, account, site, returnUrl };
    } catch (error) {
      this.deps.logger.warn({ err: error, requestId }, 'user oauth connect failed');
      await this.deps.userGrants.auditFailedConnect(context, name, started, error);
      return failed(
        error instanceof AppError
          ? `Your Jira account was not connected: ${error.detail}`
          : 'Your Jira account was not connected. Start again.',
        returnUrl,
      );
    }
  }

  /**
   * Marks a state or pick used, exactly once, if it is known, of this kind, unexpired, unused,
   * and bound to one of the browser's secrets. A valid state from another browser is refused
   * without being used, so its own browser can still finish.
   */
  private async claim(
    token: string | undefined,
    kinds: readonly OAuthStatesTable['kind'][],
    browserSecrets: readonly string[],
    requestId: string,
  ): Promise<{ kind: 'claimed'; row: OAuthStatesTable } | OAuthOutcome> {
    const now = this.deps.clock.now();
    const tokenHash = token ? hash(token) : '';
    const row = token
      ? await this.deps.store.db
          .selectFrom('oauth_states')
          .selectAll()
          .where('state_hash', '=', tokenHash)
          .where('kind', 'in', kinds)
          .executeTakeFirst()
      : undefined;
    const again = 'Start again from the Jira setup screen in Salesforce.';
    if (!row) return expired(`This authorization is unknown or has expired. ${again}`);
    if (row.used_at !== null)
      return expired(`This authorization was already completed or used. ${again}`, row.return_url);
    if (row.expires_at <= now)
      return expired(
        `This authorization expired before it was completed. ${again}`,
        row.return_url,
      );
    const binding = row.browser_hash;
    if (!binding || !browserSecrets.some((secret) => sameHash(hash(secret), binding))) {
      this.deps.logger.warn(
        { requestId, kind: row.kind },
        'oauth state presented without the browser binding; refused and left unused',
      );
      return {
        kind: 'wrongBrowser',
        message:
          "This Jira authorization was started in another browser (or this browser blocked the relay's cookie). Nothing was changed. Finish it in the browser window that Salesforce opened, or start again there.",
        returnUrl: row.return_url,
      };
    }
    const result = await this.deps.store.db
      .updateTable('oauth_states')
      .set({ used_at: now })
      .where('state_hash', '=', tokenHash)
      .where('kind', '=', row.kind)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      return expired(`This authorization was already completed or used. ${again}`, row.return_url);
    return { kind: 'claimed', row };
  }

  private async purgeExpired(now: number): Promise<void> {
    // Used states are kept until they expire so a replay is recognised as such.
    const stale = await this.deps.store.db
      .selectFrom('oauth_states')
      .select(['state_hash', 'kind'])
      .where('expires_at', '<', now)
      .where('kind', 'in', ['pick', 'dc-authorize'])
      .execute();
    await this.deps.store.transaction(async (tx) => {
      for (const { state_hash, kind } of stale) {
        const ref = kind === 'pick' ? pickRef(state_hash) : pkceVerifierRef(state_hash);
        await this.deps.vault.delete(ref, tx);
      }
      await tx.deleteFrom('oauth_states').where('expires_at', '<', now).execute();
    });
  }
}

/** Why a site from Atlassian's accessible resources cannot be used, or undefined when it can. */
function unsafeSiteReason(site: OAuthSite): string | undefined {
  if (!CLOUD_ID.test(site.cloudId))
    return `Atlassian listed the Jira site "${site.name}" with a cloud id that is not a UUID.`;
  let url: URL | undefined;
  try {
    url = new URL(site.url);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || url.username || url.password)
    return `Atlassian listed the Jira site "${site.name}" with an address that is not a plain https URL.`;
  return undefined;
}

/** Constant-time comparison of two hex SHA-256 digests. */
function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

function toSite(resource: AccessibleResource): OAuthSite {
  return {
    cloudId: resource.id,
    name: resource.name,
    url: resource.url.replace(/\/+$/, ''),
    scopes: resource.scopes,
  };
}
