import type { Store } from '../store/store';
import type { ConnectionsTable } from '../store/schema';

/** A connection as the contract shows it: metadata only, never a secret. */
export interface ConnectionView {
  name: string;
  deployment: 'cloud' | 'server';
  baseUrl: string;
  authMethod: ConnectionsTable['auth_method'];
  status: ConnectionsTable['status'];
  scopes: string[];
  account: Record<string, string> | null;
  connectedBy: string | null;
  connectedAt: string | null;
  expiresAt: string | null;
  warnings: string[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function toConnectionView(row: ConnectionsTable): ConnectionView {
  return {
    name: row.name,
    deployment: row.deployment,
    baseUrl: row.site_url ?? row.base_url,
    authMethod: row.auth_method,
    status: row.status,
    scopes: JSON.parse(row.scopes) as string[],
    account: row.account ? (JSON.parse(row.account) as Record<string, string>) : null,
    connectedBy: row.connected_by,
    connectedAt: iso(row.connected_at),
    expiresAt: iso(row.expires_at),
    warnings: JSON.parse(row.warnings) as string[],
  };
}

export class ConnectionService {
  constructor(private readonly store: Store) {}

  async list(orgId: string): Promise<ConnectionView[]> {
    const rows = await this.store.db
      .selectFrom('connections')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('name')
      .execute();
    return rows.map(toConnectionView);
  }
}
