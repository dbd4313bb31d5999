import type { Generated } from 'kysely';

/**
 * Table shapes shared by both engines. Times are epoch milliseconds (bigint in PostgreSQL,
 * integer in SQLite; both read back as numbers). JSON is stored as text so that the two engines
 * agree byte for byte.
 */
export interface TenantsTable {
  org_id: string;
  name: string;
  status: 'active' | 'disabled';
  /** Vault reference of the Salesforce write-back credential, if any. */
  sf_auth_ref: string | null;
  audit_views: number;
  /** The managed package's namespace prefix in this org; '' for none. */
  namespace: string;
  /** Weight of the tenant's share of the Atlassian app quota (1 = equal share). */
  quota_weight: Generated<number>;
  created_at: number;
  updated_at: number;
}

export interface TenantSecretsTable {
  org_id: string;
  /** 'current' or 'previous' (valid until expires_at during rotation). */
  slot: 'current' | 'previous';
  vault_ref: string;
  created_at: number;
  expires_at: number | null;
}

export interface VaultEntriesTable {
  ref: string;
  key_id: string;
  ciphertext: string;
  created_at: number;
  updated_at: number;
}

export interface ReplayNoncesTable {
  org_id: string;
  nonce: string;
  expires_at: number;
}

export interface RegistrationCodesTable {
  code_hash: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  used_by_org: string | null;
  note: string | null;
  /** The only org this code may register (null: created before codes were bound; refused). */
  org_id: string | null;
}

export interface ConnectionsTable {
  org_id: string;
  name: string;
  deployment: 'cloud' | 'server';
  base_url: string;
  auth_method: 'oauth' | 'api_token' | 'pat' | 'basic';
  status: 'active' | 'needs_reauth' | 'error' | 'pending';
  /** JSON array of granted scopes. */
  scopes: string;
  /** JSON object describing the Jira account, or null. */
  account: string | null;
  /** JSON array of warnings shown with the connection. */
  warnings: string;
  secret_ref: string | null;
  cloud_id: string | null;
  site_url: string | null;
  connected_by: string | null;
  connected_at: number | null;
  expires_at: number | null;
  created_at: number;
  updated_at: number;
  /** Why the connection is not active (shown to admins; never a secret). */
  status_reason: string | null;
  /** 1 when comments are allowed on issues linked without a template. */
  allow_untemplated_comments: number;
  /** OAuth: when the current access token expires (the relay refreshes it before). */
  access_expires_at: number | null;
  /** OAuth: when the grant was last refreshed (null: not since it was issued). */
  refreshed_at: number | null;
  /** The last Jira call that worked, as far as the relay wrote it (at most once a minute). */
  last_success_at: number | null;
  /** The contract code and time of the last Jira call that failed for the connection's sake. */
  last_error_code: string | null;
  last_error_at: number | null;
  /** Whose Jira identity actions use: the connection's, the user's when connected, or only the user's. */
  identity: ConnectionIdentity;
}

export type ConnectionIdentity = 'service' | 'prefer_user' | 'require_user';

/**
 * A Salesforce user's own Jira grant on one connection (issue #16). The credential is in the
 * vault under `secret_ref`; nothing here is secret.
 */
export interface UserGrantsTable {
  org_id: string;
  connection_name: string;
  /** The Salesforce user (X-Relay-User of the signed request). */
  user_id: string;
  /** Cloud: the user's OAuth 3LO grant; Server/DC: the user's personal access token. */
  auth_method: 'oauth' | 'pat';
  status: 'active' | 'needs_reauth';
  status_reason: string | null;
  /** JSON object describing the user's Jira account (display name, account id or name). */
  account: string;
  /** JSON array of granted scopes (OAuth). */
  scopes: string;
  secret_ref: string;
  /** OAuth: where the user's requests go (api.atlassian.com/ex/jira/{cloudId}); PAT: null. */
  api_base: string | null;
  connected_at: number;
  /** A PAT's expiry as the user gave it; OAuth: null. */
  expires_at: number | null;
  /** OAuth: when the current access token expires (the relay refreshes it before). */
  access_expires_at: number | null;
  updated_at: number;
}

export interface OAuthStatesTable {
  /** SHA-256 hex of the random state or pick token; the token itself is never stored. */
  state_hash: string;
  /**
   * 'start': the relay's own start link, not yet opened; 'authorize': waiting for Atlassian's
   * redirect; 'dc-authorize': waiting for a Jira Data Center's redirect (its PKCE verifier is
   * in the vault); 'pick': waiting for the admin to choose a site; 'user-start' and
   * 'user-authorize': the same two steps for a user connecting their own Atlassian account.
   */
  kind: 'start' | 'authorize' | 'dc-authorize' | 'pick' | 'user-start' | 'user-authorize';
  org_id: string;
  connection_name: string;
  /** The admin who started the flow. */
  user_id: string;
  return_url: string | null;
  /** JSON array of the sites offered in a pick (ids, names, URLs, scopes; no secrets). */
  sites: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /** SHA-256 hex of the browser secret (cookie) an 'authorize' state is bound to. */
  browser_hash: string | null;
}

export type OutboxStatus = 'pending' | 'delivered' | 'parked';

export interface AuditOutboxTable {
  org_id: string;
  request_id: string;
  operation: string;
  /** The AuditEvent as JSON; mapped to Salesforce fields only when sent. */
  event: string;
  status: OutboxStatus;
  attempts: number;
  available_at: number;
  claim_token: string | null;
  /** JSON: the last whole-call or per-record failure. */
  last_error: string | null;
  salesforce_id: string | null;
  created_at: number;
  delivered_at: number | null;
}

/** Signed requests per tenant per minute, shared by every instance on PostgreSQL. */
export interface TenantRateWindowsTable {
  org_id: string;
  /** Epoch minute. */
  window_start: number;
  used: number;
  last_grant: number;
}

export interface MigrationMarkerTable {
  id: Generated<number>;
}

export interface IdempotencyRecordsTable {
  org_id: string;
  /** The operation the key belongs to (e.g. "issues.create"), so one key never spans two kinds. */
  scope: string;
  idempotency_key: string;
  /** SHA-256 of the canonical request, to tell a retry from a different request under the same key. */
  fingerprint: string;
  state: 'in_flight' | 'done';
  response_status: number | null;
  /** JSON of the first response, replayed to retries. */
  response_body: string | null;
  /** Until when an in-flight record blocks other attempts (a crashed attempt frees the key after it). */
  lease_until: number;
  created_at: number;
  expires_at: number;
}

export interface Database {
  idempotency_records: IdempotencyRecordsTable;
  tenants: TenantsTable;
  tenant_secrets: TenantSecretsTable;
  vault_entries: VaultEntriesTable;
  replay_nonces: ReplayNoncesTable;
  registration_codes: RegistrationCodesTable;
  connections: ConnectionsTable;
  user_grants: UserGrantsTable;
  oauth_states: OAuthStatesTable;
  audit_outbox: AuditOutboxTable;
  tenant_rate_windows: TenantRateWindowsTable;
}
