import type { Logger } from 'pino';
import { pkceVerifierRef, type OAuthCredentials } from '../jira/auth/credentials';
import { freshOAuthAuth } from '../jira/auth/oauth';
import type { JiraAccount, JiraServerInfo } from '../jira/endpoints/platform';
import type { JiraClients } from '../jira/jira-client';
import { OAuthGrantRevoked, type TokenSet } from '../jira/oauth/token-endpoint';
import {
  DATACENTER_OAUTH_SCOPE,
  pkcePair,
  storedDataCenterClient,
  type DataCenterClient,
  type DataCenterOAuth,
} from '../jira/oauth/datacenter-oauth';
import type { Clock } from '../lib/clock';
import { AppError } from '../lib/errors';
import { findConnection } from '../store/connection-repository';
import type { ConnectionsTable, OAuthStatesTable } from '../store/schema';
import type { Db, Store } from '../store/store';
import type { Vault } from '../vault/vault';
import type { OperationCaller } from '../audit/audit-recorder';
import { checkLiveAt, type ConnectionService } from './connection-service';
import { failed, type OAuthOutcome } from './oauth-outcome';

/** Scopes that include WRITE (Jira Data Center's scopes are hierarchical). */
const WRITE_OR_MORE = new Set(['WRITE', 'ADMIN', 'SYSTEM_ADMIN']);

/** Whether a connection is authorized through a Jira Data Center incoming application link. */
export function isDataCenterOAuth(
  row: Pick<ConnectionsTable, 'deployment' | 'auth_method'> | undefined,
): row is ConnectionsTable {
  return row?.deployment === 'server' && row.auth_method === 'oauth';
}

export interface DataCenterAuthorizationDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  jira: JiraClients;
  connections: ConnectionService;
  oauth: DataCenterOAuth;
}

/**
 * The Jira Data Center part of connecting by OAuth (see OAuthConnectFlow for the start link,
 * the state and the browser binding, which are the same as for Cloud):
 *
 * - `prepare`, when the admin's browser opens the start link: a fresh PKCE verifier for this
 *   attempt is kept server-side, encrypted in the vault under the state's hash (the state
 *   itself is stored only as a hash), and the browser is sent to the instance's authorize
 *   URL, built from the stored base URL and client id only.
 * - `complete`, when Jira sends the browser back (the state already claimed, once, by its
 *   browser): the verifier is taken out of the vault (one use), the code is exchanged at the
 *   instance's token endpoint through the upstream guard, the new token must reach a Jira
 *   Server/Data Center (serverInfo, myself), and only then is the grant stored and the
 *   connection made active.
 */
export class DataCenterAuthorization {
  constructor(private readonly deps: DataCenterAuthorizationDeps) {}

  async prepare(
    tx: Db,
    connection: ConnectionsTable,
    stateHash: string,
    state: string,
  ): Promise<string | undefined> {
    const client = await this.client(connection, tx);
    if (!client) return undefined;
    const { verifier, challenge } = pkcePair();
    await this.deps.vault.put(pkceVerifierRef(stateHash), verifier, tx);
    return this.deps.oauth.authorizeUrl(connection.base_url, client.clientId, state, challenge);
  }

  async complete(
    stateRow: OAuthStatesTable,
    query: { code?: string; error?: string },
    requestId: string,
  ): Promise<OAuthOutcome> {
    const { vault, store, connections, logger } = this.deps;
    const context: OperationCaller = {
      orgId: stateRow.org_id,
      userId: stateRow.user_id,
      requestId,
    };
    const returnUrl = stateRow.return_url;
    const name = stateRow.connection_name;
    const ref = pkceVerifierRef(stateRow.state_hash);
    const verifier = await vault.get(ref);
    await vault.delete(ref);
    if (query.error || !query.code) {
      return failed('Authorization was not granted in Jira. Nothing was changed.', returnUrl);
    }
    const connection = await findConnection(store.db, context.orgId, name);
    const client = isDataCenterOAuth(connection) ? await this.client(connection) : undefined;
    if (!verifier || !connection || !client) {
      return failed(
        'The connection was changed or deleted while it was being authorized. Nothing was changed; start again from the Jira setup screen in Salesforce.',
        returnUrl,
      );
    }

    const started = this.deps.clock.now();
    let tokens: TokenSet;
    let checked: { info: JiraServerInfo; account: JiraAccount };
    try {
      tokens = await this.deps.oauth.exchangeCode(
        connection.base_url,
        client,
        query.code,
        verifier,
      );
      // serverInfo then myself with the new token, through the upstream guard like any Jira call.
      checked = await checkLiveAt(this.deps.jira, {
        deployment: 'server',
        apiBase: connection.base_url,
        siteUrl: connection.base_url,
        auth: freshOAuthAuth(tokens.accessToken),
        trustedHost: false,
      });
    } catch (caught) {
      // A refused code (wrong verifier, used or expired code) is Jira refusing, not a crash.
      const error =
        caught instanceof OAuthGrantRevoked
          ? new AppError(
              'JIRA_UNAUTHORIZED',
              `Jira refused the authorization code (${caught.error}).`,
              { cause: caught },
            )
          : caught;
      await connections.audit(context, 'Connect', name, started, error);
      logger.warn({ err: error, requestId }, 'jira data center oauth code exchange failed');
      return failed(
        error instanceof AppError
          ? `Jira did not complete the authorization: ${error.detail} Nothing was changed; start again.`
          : 'Jira did not complete the authorization. Nothing was changed; start again.',
        returnUrl,
      );
    }
    if (checked.info.deployment !== 'server') {
      const refused = new AppError(
        'VALIDATION_FAILED',
        'The Jira at this URL is Jira Cloud, not Server/Data Center.',
      );
      await connections.audit(context, 'Connect', name, started, refused);
      return failed(`${refused.detail} Nothing was changed.`, returnUrl);
    }

    const now = this.deps.clock.now();
    const scopes = tokens.scopes.length ? tokens.scopes : [DATACENTER_OAUTH_SCOPE];
    const credentials: OAuthCredentials = {
      method: 'oauth',
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      accessTokenExpiresAt: now + tokens.expiresInSeconds * 1000,
      scopes,
    };
    const warnings = [
      ...(tokens.refreshToken
        ? []
        : [
            'Jira granted no refresh token: the connection stops working when the access token expires.',
          ]),
      ...(scopes.some((s) => WRITE_OR_MORE.has(s.toUpperCase()))
        ? []
        : [
            `Jira granted ${scopes.join(', ')}, not WRITE: creating, commenting, linking and transitioning fail. A Jira admin allows Write on the incoming application link, then an admin connects again.`,
          ]),
    ];
    const saved = await connections.save(context, credentials, {
      name,
      deployment: 'server',
      baseUrl: connection.base_url,
      siteUrl: connection.site_url,
      cloudId: null,
      authMethod: 'oauth',
      scopes,
      account: checked.account,
      warnings,
      expiresAt:
        tokens.refreshToken && tokens.refreshTokenExpiresInSeconds !== undefined
          ? now + tokens.refreshTokenExpiresInSeconds * 1000
          : null,
      accessTokenExpiresAt: credentials.accessTokenExpiresAt,
    });
    await connections.audit(context, 'Connect', name, started);
    return {
      kind: 'connected',
      connection: saved,
      site: {
        cloudId: '',
        name: checked.info.serverTitle ?? 'Jira',
        url: connection.base_url,
        scopes,
      },
      returnUrl,
    };
  }

  private client(connection: ConnectionsTable, db?: Db): Promise<DataCenterClient | undefined> {
    return storedDataCenterClient(this.deps.vault, connection.org_id, connection.name, db);
  }
}
