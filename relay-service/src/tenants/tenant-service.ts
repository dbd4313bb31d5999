import { createHash, randomBytes } from 'node:crypto';
import type { Updateable } from 'kysely';
import { z } from 'zod';
import { AppError } from '../lib/errors';
import type { Clock } from '../lib/clock';
import { packageNamespaceSchema } from '../lib/salesforce-ids';
import type { TenantsTable } from '../store/schema';
import type { Store, Db } from '../store/store';
import type { Vault } from '../vault/vault';
import { RegistrationLimiter } from './registration-limiter';

/** Salesforce write-back credential (used by the audit write-back). Kept only in the vault. */
export const salesforceAuthSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('client_credentials'),
    loginUrl: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
  }),
  z.object({
    type: z.literal('jwt_bearer'),
    loginUrl: z.url({ protocol: /^https?$/ }),
    clientId: z.string().min(1),
    username: z.string().min(1),
    privateKey: z.string().includes('-----BEGIN', { message: 'expected a PEM private key' }),
  }),
]);
export type SalesforceAuth = z.infer<typeof salesforceAuthSchema>;

export interface Tenant {
  orgId: string;
  name: string;
  status: 'active' | 'disabled';
  hasSalesforceAuth: boolean;
  /** Whether View operations are audited (mutations and denials always are). */
  auditViews: boolean;
  /** The package's namespace prefix in this org ('' for none); the write-back uses it. */
  namespace: string;
  /** Weight of the tenant's share of the Atlassian app quota (1 = equal share). */
  quotaWeight: number;
  createdAt: string;
}

/** The largest quota weight: a hundredfold share is already more than any tenant should need. */
export const MAX_QUOTA_WEIGHT = 100;

/** Refuses a namespace Salesforce could not have given an org, naming the field. */
function checkedNamespace(namespace: string | undefined): string {
  const parsed = packageNamespaceSchema.safeParse(namespace ?? '');
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues[0]?.message ?? 'invalid';
  throw new AppError('VALIDATION_FAILED', `The namespace is invalid: ${message}.`, {
    fieldErrors: [{ field: 'namespace', message }],
  });
}

/** The secrets a request may be signed with: the current one, and during rotation the previous. */
export interface TenantCredentials {
  orgId: string;
  status: 'active' | 'disabled';
  secrets: string[];
}

const DEFAULT_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

const signingRef = (orgId: string, slot: 'current' | 'previous') =>
  `tenant/${orgId}/signing/${slot}`;
const salesforceAuthRef = (orgId: string) => `tenant/${orgId}/salesforce-auth`;

export function newTenantSecret(): string {
  return randomBytes(32).toString('base64');
}

export function hashRegistrationCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/**
 * How long verified-request credentials are reused from memory. Every signed request needs
 * them; re-reading and decrypting them each time halves throughput. Changes made through this
 * instance take effect at once; changes made through another instance within this bound.
 */
export const CREDENTIALS_CACHE_MS = 5_000;

interface CachedCredentials {
  status: 'active' | 'disabled';
  auditViews: boolean;
  namespace: string;
  quotaWeight: number;
  secrets: { secret: string; expiresAt: number | null }[];
  loadedAt: number;
}

export class TenantService {
  private readonly cache = new Map<string, CachedCredentials>();
  private readonly registrationFailures: RegistrationLimiter;

  constructor(
    private readonly store: Store,
    private readonly vault: Vault,
    private readonly clock: Clock,
  ) {
    this.registrationFailures = new RegistrationLimiter(() => clock.now());
  }

  /** Creates a tenant and returns its first signing secret (shown once, never stored in clear). */
  async add(
    input: { orgId: string; name: string; namespace?: string; salesforceAuth?: SalesforceAuth },
    db?: Db,
  ): Promise<string> {
    const namespace = checkedNamespace(input.namespace);
    const work = async (tx: Db) => {
      const existing = await tx
        .selectFrom('tenants')
        .select('org_id')
        .where('org_id', '=', input.orgId)
        .executeTakeFirst();
      if (existing)
        throw new AppError(
          'TENANT_EXISTS',
          `Org ${input.orgId} is already registered with this relay.`,
        );
      const now = this.clock.now();
      await tx
        .insertInto('tenants')
        .values({
          org_id: input.orgId,
          name: input.name,
          status: 'active',
          sf_auth_ref: input.salesforceAuth ? salesforceAuthRef(input.orgId) : null,
          audit_views: 0,
          namespace,
          created_at: now,
          updated_at: now,
        })
        .execute();
      const secret = newTenantSecret();
      await this.vault.put(signingRef(input.orgId, 'current'), secret, tx);
      await tx
        .insertInto('tenant_secrets')
        .values({
          org_id: input.orgId,
          slot: 'current',
          vault_ref: signingRef(input.orgId, 'current'),
          created_at: now,
          expires_at: null,
        })
        .execute();
      if (input.salesforceAuth) {
        await this.vault.put(
          salesforceAuthRef(input.orgId),
          JSON.stringify(input.salesforceAuth),
          tx,
        );
      }
      return secret;
    };
    const secret = await (db ? work(db) : this.store.transaction(work));
    this.cache.delete(input.orgId);
    return secret;
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.store.db.selectFrom('tenants').selectAll().orderBy('org_id').execute();
    return rows.map((row) => ({
      orgId: row.org_id,
      name: row.name,
      status: row.status,
      hasSalesforceAuth: row.sf_auth_ref !== null,
      auditViews: row.audit_views === 1,
      namespace: row.namespace,
      quotaWeight: row.quota_weight,
      createdAt: new Date(row.created_at).toISOString(),
    }));
  }

  /**
   * Issues a new current secret. The old one stays valid for `graceMs` so that Salesforce can
   * store the new secret without a gap; a second rotation inside the grace replaces it.
   */
  async rotateSecret(
    orgId: string,
    graceMs = DEFAULT_ROTATION_GRACE_MS,
  ): Promise<{ secret: string; previousValidUntil: string }> {
    const rotated = await this.store.transaction(async (tx) => {
      await this.requireTenant(orgId, tx);
      const now = this.clock.now();
      const current = await this.vault.get(signingRef(orgId, 'current'), tx);
      if (current === undefined) throw new Error(`tenant ${orgId} has no current secret`);
      await this.vault.put(signingRef(orgId, 'previous'), current, tx);
      await tx
        .deleteFrom('tenant_secrets')
        .where('org_id', '=', orgId)
        .where('slot', '=', 'previous')
        .execute();
      await tx
        .insertInto('tenant_secrets')
        .values({
          org_id: orgId,
          slot: 'previous',
          vault_ref: signingRef(orgId, 'previous'),
          created_at: now,
          expires_at: now + graceMs,
        })
        .execute();
      const secret = newTenantSecret();
      await this.vault.put(signingRef(orgId, 'current'), secret, tx);
      await tx
        .updateTable('tenant_secrets')
        .set({ created_at: now })
        .where('org_id', '=', orgId)
        .where('slot', '=', 'current')
        .execute();
      return { secret, previousValidUntil: new Date(now + graceMs).toISOString() };
    });
    this.cache.delete(orgId);
    return rotated;
  }

  /** Turns auditing of View operations on or off for one tenant (off by default). */
  async setAuditViews(orgId: string, enabled: boolean): Promise<void> {
    await this.updateCachedSetting(orgId, { audit_views: enabled ? 1 : 0 });
  }

  /**
   * Whether the tenant wants View operations audited. Asked on every successful read, so it
   * comes from the same short-lived cache as the signing secrets.
   */
  async auditsViews(orgId: string): Promise<boolean> {
    return (await this.cachedCredentials(orgId))?.auditViews ?? false;
  }

  /**
   * Sets the package namespace the write-back names objects and fields with ('' for none).
   * Running drainers of this instance see it at once, those of other instances within
   * CREDENTIALS_CACHE_MS.
   */
  async setNamespace(orgId: string, namespace: string): Promise<void> {
    const checked = checkedNamespace(namespace);
    await this.updateCachedSetting(orgId, { namespace: checked });
  }

  /**
   * The tenant's package namespace ('' for none, or for an unknown tenant). Asked for every
   * write-back batch, so it comes from the same short-lived cache as the signing secrets.
   */
  async namespace(orgId: string): Promise<string> {
    return (await this.cachedCredentials(orgId))?.namespace ?? '';
  }

  /**
   * Sets the tenant's weight in the Atlassian app quota (a whole number from 1 to
   * MAX_QUOTA_WEIGHT). This instance applies it at once, others within CREDENTIALS_CACHE_MS.
   */
  async setQuotaWeight(orgId: string, weight: number): Promise<void> {
    if (!Number.isInteger(weight) || weight < 1 || weight > MAX_QUOTA_WEIGHT) {
      const message = `expected a whole number from 1 to ${MAX_QUOTA_WEIGHT}`;
      throw new AppError('VALIDATION_FAILED', `The quota weight is invalid: ${message}.`, {
        fieldErrors: [{ field: 'quotaWeight', message }],
      });
    }
    await this.updateCachedSetting(orgId, { quota_weight: weight });
  }

  /**
   * The tenant's weight in the app quota (1 for an unknown tenant). Asked for every OAuth
   * operation, so it comes from the same short-lived cache as the signing secrets.
   */
  async quotaWeight(orgId: string): Promise<number> {
    return (await this.cachedCredentials(orgId))?.quotaWeight ?? 1;
  }

  /** Stores or replaces the tenant's Salesforce write-back credential (vault only). */
  async setSalesforceAuth(orgId: string, auth: SalesforceAuth): Promise<void> {
    await this.store.transaction(async (tx) => {
      await this.requireTenant(orgId, tx);
      await this.vault.put(salesforceAuthRef(orgId), JSON.stringify(auth), tx);
      await tx
        .updateTable('tenants')
        .set({ sf_auth_ref: salesforceAuthRef(orgId), updated_at: this.clock.now() })
        .where('org_id', '=', orgId)
        .execute();
    });
  }

  async setStatus(orgId: string, status: 'active' | 'disabled'): Promise<void> {
    await this.updateCachedSetting(orgId, { status });
  }

  /** The tenant's status and every signing secret valid right now, or undefined if unknown. */
  async credentials(orgId: string): Promise<TenantCredentials | undefined> {
    const cached = await this.cachedCredentials(orgId);
    if (!cached) return undefined;
    const now = this.clock.now();
    return {
      orgId,
      status: cached.status,
      secrets: cached.secrets
        .filter((s) => s.expiresAt === null || s.expiresAt > now)
        .map((s) => s.secret),
    };
  }

  private async cachedCredentials(orgId: string): Promise<CachedCredentials | undefined> {
    const now = this.clock.now();
    let cached = this.cache.get(orgId);
    if (!cached || now - cached.loadedAt >= CREDENTIALS_CACHE_MS || now < cached.loadedAt) {
      cached = await this.loadCredentials(orgId, now);
      if (!cached) {
        this.cache.delete(orgId);
        return undefined;
      }
      this.cache.set(orgId, cached);
    }
    return cached;
  }

  private async loadCredentials(
    orgId: string,
    now: number,
  ): Promise<CachedCredentials | undefined> {
    const tenant = await this.store.db
      .selectFrom('tenants')
      .select(['status', 'audit_views', 'namespace', 'quota_weight'])
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    if (!tenant) return undefined;
    const slots = await this.store.db
      .selectFrom('tenant_secrets')
      .innerJoin('vault_entries', 'vault_entries.ref', 'tenant_secrets.vault_ref')
      .select([
        'tenant_secrets.slot',
        'tenant_secrets.vault_ref',
        'tenant_secrets.expires_at',
        'vault_entries.ciphertext',
      ])
      .where('tenant_secrets.org_id', '=', orgId)
      .execute();
    // Current first: most requests match it on the first comparison.
    slots.sort((a, b) => (a.slot === b.slot ? 0 : a.slot === 'current' ? -1 : 1));
    return {
      status: tenant.status,
      auditViews: tenant.audit_views !== 0,
      namespace: tenant.namespace,
      quotaWeight: tenant.quota_weight,
      secrets: slots.map((slot) => ({
        secret: this.vault.openCiphertext(slot.vault_ref, slot.ciphertext),
        expiresAt: slot.expires_at,
      })),
      loadedAt: now,
    };
  }

  async salesforceAuth(orgId: string): Promise<SalesforceAuth | undefined> {
    const raw = await this.vault.get(salesforceAuthRef(orgId));
    return raw === undefined ? undefined : salesforceAuthSchema.parse(JSON.parse(raw));
  }

  /** A one-time code that lets the org `orgId`, and only it, register itself. */
  async createRegistrationCode(input: {
    orgId: string;
    ttlMs: number;
    note?: string;
  }): Promise<{ code: string; expiresAt: string }> {
    const code = `prc_${randomBytes(24).toString('base64url')}`;
    const now = this.clock.now();
    await this.store.db
      .insertInto('registration_codes')
      .values({
        code_hash: hashRegistrationCode(code),
        created_at: now,
        expires_at: now + input.ttlMs,
        used_at: null,
        used_by_org: null,
        note: input.note ?? null,
        org_id: input.orgId,
      })
      .execute();
    return { code, expiresAt: new Date(now + input.ttlMs).toISOString() };
  }

  /**
   * Self-registration: consumes the one-time code and creates the tenant in one transaction,
   * so a failure (e.g. the org already exists) leaves the code usable.
   *
   * A code works only for the org it was created for. Presenting it with another org id fails
   * like an unknown code (no hint that the code exists) and does not use it up: whoever
   * guessed or intercepted it cannot burn the real org's code, and cannot register any other
   * org with it. Failed attempts are counted per `source` (the caller's address); after
   * REGISTRATION_FAILURE_LIMIT of them in the window every attempt from there is answered
   * RATE_LIMITED, a correct code included, until the window has passed.
   */
  async register(
    code: string,
    input: { orgId: string; name: string; namespace?: string },
    source = 'unknown',
  ): Promise<string> {
    const wait = this.registrationFailures.retryAfterSeconds(source);
    if (wait > 0) {
      throw new AppError(
        'RATE_LIMITED',
        `Too many failed registration attempts from this address; try again in ${wait} s with a valid code.`,
        { retryAfter: wait },
      );
    }
    const namespace = checkedNamespace(input.namespace);
    try {
      return await this.store.transaction(async (tx) => {
        const now = this.clock.now();
        const consumed = await tx
          .updateTable('registration_codes')
          .set({ used_at: now, used_by_org: input.orgId })
          .where('code_hash', '=', hashRegistrationCode(code))
          .where('used_at', 'is', null)
          .where('expires_at', '>', now)
          // A code from before codes were bound (org_id null) registers nothing any more.
          .where('org_id', '=', input.orgId)
          .executeTakeFirst();
        if (Number(consumed.numUpdatedRows) !== 1) {
          throw new AppError(
            'REGISTRATION_INVALID',
            'The registration code is unknown, expired, already used or made for another org. Ask the relay operator for a new one.',
          );
        }
        return this.add({ ...input, namespace }, tx);
      });
    } catch (error) {
      if (error instanceof AppError && error.code === 'REGISTRATION_INVALID')
        this.registrationFailures.recordFailure(source);
      throw error;
    }
  }

  /**
   * Changes settings the credentials cache holds, for a known tenant; this instance sees them
   * at once, others within CREDENTIALS_CACHE_MS.
   */
  private async updateCachedSetting(
    orgId: string,
    values: Pick<Updateable<TenantsTable>, 'audit_views' | 'namespace' | 'quota_weight' | 'status'>,
  ): Promise<void> {
    await this.store.transaction(async (tx) => {
      await this.requireTenant(orgId, tx);
      await tx
        .updateTable('tenants')
        .set({ ...values, updated_at: this.clock.now() })
        .where('org_id', '=', orgId)
        .execute();
    });
    this.cache.delete(orgId);
  }

  private async requireTenant(orgId: string, db: Db): Promise<void> {
    const row = await db
      .selectFrom('tenants')
      .select('org_id')
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    if (!row)
      throw new AppError('TENANT_UNKNOWN', `No tenant has org id ${orgId}.`, { status: 404 });
  }
}
