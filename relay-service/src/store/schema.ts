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
}

export interface MigrationMarkerTable {
  id: Generated<number>;
}

export interface Database {
  tenants: TenantsTable;
  tenant_secrets: TenantSecretsTable;
  vault_entries: VaultEntriesTable;
  replay_nonces: ReplayNoncesTable;
  registration_codes: RegistrationCodesTable;
  connections: ConnectionsTable;
}
