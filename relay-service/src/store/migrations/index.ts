import type { Migration, MigrationProvider } from 'kysely';
import { foundation } from './001-foundation';
import { connections } from './002-connections';
import { auditOutbox } from './003-audit-outbox';
import { idempotency } from './004-idempotency';
import { connectionSettings } from './005-connection-settings';
import { tenantNamespaceAndBindings } from './006-tenant-namespace-and-bindings';
import { tenantQuotaAndRateWindows } from './007-tenant-quota-and-rate-windows';
import { oauthAccessExpiry } from './008-oauth-access-expiry';
import { connectionHealth } from './009-connection-health';
import { userGrants } from './010-user-grants';

/**
 * Migrations in order. Names sort lexically and never change once released; add a new file
 * for every schema change.
 */
const migrations: Record<string, Migration> = {
  '001-foundation': foundation,
  '002-connections': connections,
  '003-audit-outbox': auditOutbox,
  '004-idempotency': idempotency,
  '005-connection-settings': connectionSettings,
  '006-tenant-namespace-and-bindings': tenantNamespaceAndBindings,
  '007-tenant-quota-and-rate-windows': tenantQuotaAndRateWindows,
  '008-oauth-access-expiry': oauthAccessExpiry,
  '009-connection-health': connectionHealth,
  '010-user-grants': userGrants,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
