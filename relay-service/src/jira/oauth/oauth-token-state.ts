import type { Logger } from 'pino';
import type { Clock } from '../../lib/clock';
import { AppError } from '../../lib/errors';
import { withConnectionLock } from '../../store/connection-lock';
import { findConnection, updateConnection } from '../../store/connection-repository';
import type { Db, Store } from '../../store/store';
import type { Vault } from '../../vault/vault';
import {
  connectionSecretRef,
  parseStoredCredentials,
  type OAuthCredentials,
} from '../auth/credentials';
import { OAuthGrantRevoked, type OAuthProvider, type TokenSet } from './token-endpoint';

/** Refresh this long before the access token expires, so no request carries a dying token. */
export const REFRESH_EARLY_MS = 60_000;

/**
 * Whoever issues the connection's tokens: Atlassian (Cloud, 3LO) or the Jira Data Center
 * instance itself (an incoming application link). Throws OAuthGrantRevoked when only a new
 * consent helps.
 */
export interface OAuthRefresher {
  readonly provider: OAuthProvider;
  refresh(refreshToken: string): Promise<TokenSet>;
}

export interface OAuthTokenStateDeps {
  store: Store;
  vault: Vault;
  clock: Clock;
  oauth: OAuthRefresher;
  logger: Logger;
}

export function needsReauth(connectionName: string, why: string): AppError {
  return new AppError(
    'CONNECTION_NEEDS_REAUTH',
    `Connection "${connectionName}" must be authorized again (${why}). An admin reconnects it from the Jira setup screen.`,
  );
}

/** Marks the connection as unusable until an admin consents again. */
export async function markNeedsReauth(
  db: Db,
  orgId: string,
  connectionName: string,
  reason: string,
  now: number,
): Promise<void> {
  await updateConnection(db, orgId, connectionName, {
    status: 'needs_reauth',
    status_reason: reason,
    updated_at: now,
  });
}

/**
 * Where one OAuth grant lives and how its state is recorded: a connection's own grant (the
 * default), or one Salesforce user's grant on a connection (connections/user-grants.ts). The
 * refresh machinery is the same for both.
 */
export interface OAuthGrantHolder {
  /** The vault reference of the credentials. */
  readonly ref: string;
  /** The name the store lock is taken on (unique per grant within the tenant). */
  readonly lockName: string;
  /** Why the grant cannot be refreshed now (revoked earlier), or undefined when it can. */
  unusable(db: Db): Promise<string | undefined>;
  /** Records that only a new consent helps. */
  markNeedsReauth(db: Db, reason: string, now: number): Promise<void>;
  /** Records the horizons of freshly refreshed credentials, in the commit that stores them. */
  recordRefresh(
    db: Db,
    next: OAuthCredentials,
    refreshExpiresAt: number | undefined,
    now: number,
  ): Promise<void>;
  /** The error a request gets when the grant needs a new consent. */
  needsReauth(why: string): AppError;
}

/** The connection's own grant: its row in `connections`, its secret at the connection ref. */
export function connectionGrant(orgId: string, connectionName: string): OAuthGrantHolder {
  return {
    ref: connectionSecretRef(orgId, connectionName),
    lockName: connectionName,
    async unusable(db) {
      const row = await findConnection(db, orgId, connectionName);
      if (!row || row.auth_method !== 'oauth') {
        throw new AppError(
          'CONNECTION_NOT_FOUND',
          `Connection "${connectionName}" no longer exists.`,
        );
      }
      return row.status === 'needs_reauth' ? 'the grant was revoked earlier' : undefined;
    },
    markNeedsReauth: (db, reason, now) => markNeedsReauth(db, orgId, connectionName, reason, now),
    async recordRefresh(db, next, refreshExpiresAt, now) {
      await updateConnection(db, orgId, connectionName, {
        scopes: JSON.stringify(next.scopes),
        access_expires_at: next.accessTokenExpiresAt,
        // Atlassian lets a refresh token lapse after 90 days without use (health warns).
        refreshed_at: now,
        ...(refreshExpiresAt !== undefined ? { expires_at: refreshExpiresAt } : {}),
      });
    },
    needsReauth: (why) => needsReauth(connectionName, why),
  };
}

/**
 * The access token of one OAuth grant (a connection's, or a user's on a connection). Refreshes
 * shortly before expiry and once after a
 * 401; a refresh is single-flight within the process (one shared promise) and across
 * instances (the connection lock in the store), and the rotated refresh token is committed
 * to the vault before the new access token is used — reusing a stale refresh token after
 * Atlassian's leeway revokes the whole grant, and Jira Data Center accepts a refresh token
 * only once. The same machinery serves both; only the refresher differs.
 */
export class OAuthTokenState {
  private cached: OAuthCredentials | undefined;
  private inflight: Promise<OAuthCredentials> | undefined;
  private readonly holder: OAuthGrantHolder;

  constructor(
    private readonly deps: OAuthTokenStateDeps,
    readonly orgId: string,
    readonly connectionName: string,
    holder?: OAuthGrantHolder,
  ) {
    this.holder = holder ?? connectionGrant(orgId, connectionName);
  }

  private get ref(): string {
    return this.holder.ref;
  }

  /** Credentials with an access token good for at least REFRESH_EARLY_MS. */
  async current(): Promise<OAuthCredentials> {
    this.cached ??= await this.load(this.deps.store.db);
    if (this.cached.accessTokenExpiresAt - this.deps.clock.now() > REFRESH_EARLY_MS) {
      return this.cached;
    }
    return this.refresh(this.cached.accessToken);
  }

  /**
   * Replaces the access token `stale`. When another request or instance already did, its
   * result is used and Atlassian is not called again.
   */
  refresh(stale: string): Promise<OAuthCredentials> {
    this.inflight ??= this.refreshLocked(stale).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async load(db: Db): Promise<OAuthCredentials> {
    const json = await this.deps.vault.get(this.ref, db);
    const credentials = json ? parseStoredCredentials(json) : undefined;
    if (!credentials || credentials.method !== 'oauth') {
      throw this.holder.needsReauth('no OAuth grant is stored');
    }
    return credentials;
  }

  private async refreshLocked(stale: string): Promise<OAuthCredentials> {
    const { store, vault, clock, oauth, logger } = this.deps;
    const holder = this.holder;
    const outcome = await withConnectionLock(
      store,
      this.orgId,
      holder.lockName,
      async ({ db, write }): Promise<OAuthCredentials | { revoked: string }> => {
        const unusable = await holder.unusable(db);
        if (unusable !== undefined) return { revoked: unusable };

        const stored = await this.load(db);
        const now = clock.now();
        // Someone refreshed while we waited for the lock: their token is ours.
        if (stored.accessToken !== stale && stored.accessTokenExpiresAt - now > REFRESH_EARLY_MS) {
          return stored;
        }
        const revoke = async (why: string) => {
          await write((tx) => holder.markNeedsReauth(tx, why, now));
          return { revoked: why };
        };
        if (!stored.refreshToken) return revoke('no refresh token was granted');

        let tokens;
        try {
          tokens = await oauth.refresh(stored.refreshToken);
        } catch (error) {
          if (error instanceof OAuthGrantRevoked) {
            logger.warn(
              { orgId: this.orgId, connection: this.connectionName, error: error.error },
              'oauth grant revoked; needs re-authorization',
            );
            return revoke(`${error.provider} answered ${error.error}`);
          }
          throw error;
        }
        const next: OAuthCredentials = {
          method: 'oauth',
          accessToken: tokens.accessToken,
          // Both providers rotate refresh tokens; keep the old one only if none came back.
          refreshToken: tokens.refreshToken ?? stored.refreshToken,
          accessTokenExpiresAt: now + tokens.expiresInSeconds * 1000,
          scopes: tokens.scopes.length ? tokens.scopes : stored.scopes,
        };
        // The horizons shown with the grant move with the tokens, in the same commit.
        const refreshExpiresAt =
          tokens.refreshToken && tokens.refreshTokenExpiresInSeconds !== undefined
            ? now + tokens.refreshTokenExpiresInSeconds * 1000
            : undefined;
        await write(async (tx) => {
          await vault.put(this.ref, JSON.stringify(next), tx);
          await holder.recordRefresh(tx, next, refreshExpiresAt, now);
        });
        logger.info(
          { orgId: this.orgId, connection: this.connectionName },
          'oauth token refreshed',
        );
        return next;
      },
    );
    if ('revoked' in outcome) {
      this.cached = undefined;
      throw holder.needsReauth(outcome.revoked);
    }
    this.cached = outcome;
    return outcome;
  }
}
