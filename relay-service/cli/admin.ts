import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { ConfigError, loadConfig } from '../src/config/config';
import { AppError } from '../src/lib/errors';
import { createLogger } from '../src/lib/logger';
import { orgIdSchema } from '../src/lib/salesforce-ids';
import { createServices, type Services } from '../src/services';
import type { OutboxStatus } from '../src/store/schema';
import {
  MAX_QUOTA_WEIGHT,
  salesforceAuthSchema,
  type SalesforceAuth,
} from '../src/tenants/tenant-service';

const USAGE = `Usage: npm run --silent relay:admin -- <command> [options]

Commands:
  tenants add --org-id <18-char id> --name <name> [--namespace <ns>] [--sf-auth <json>] [--json]
  tenants list [--json]
  tenants rotate-secret --org-id <id> [--grace-hours <h>] [--json]
  tenants disable --org-id <id> [--json]
  tenants enable --org-id <id> [--json]
  tenants set --org-id <id> [--namespace <ns>] [--audit-views on|off] [--sf-auth <json>]
              [--quota-weight <1-100>] [--json]
      --namespace: the package's namespace prefix in the org ("" for none)
      --quota-weight: the org's weight in the Atlassian app quota (default 1)
  outbox list [--status pending|parked|delivered|all] [--org-id <id>] [--limit <n>] [--json]
      (default: pending and parked)
  outbox retry (--request-id <id>... | --org-id <id> | --all) [--json]
      re-queues parked audit events
  outbox purge-delivered [--older-than-days <d>] [--json]   (default 30 days)
  registration-code create --org-id <18-char id> [--ttl-minutes <m>] [--note <text>] [--json]
      the code registers that org only
  keys rotate [--json]

Configuration comes from the same environment as the relay (DATABASE_URL, RELAY_ENCRYPTION_KEYS).`;

class UsageError extends Error {}

type Options = {
  'org-id'?: string;
  name?: string;
  namespace?: string;
  'sf-auth'?: string;
  'grace-hours'?: string;
  'ttl-minutes'?: string;
  note?: string;
  'audit-views'?: string;
  'quota-weight'?: string;
  status?: string;
  limit?: string;
  'request-id'?: string[];
  'older-than-days'?: string;
  all?: boolean;
  json?: boolean;
  help?: boolean;
};

function parse(argv: string[]): { command: string[]; options: Options } {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      'org-id': { type: 'string' },
      name: { type: 'string' },
      namespace: { type: 'string' },
      'sf-auth': { type: 'string' },
      'grace-hours': { type: 'string' },
      'ttl-minutes': { type: 'string' },
      note: { type: 'string' },
      'audit-views': { type: 'string' },
      'quota-weight': { type: 'string' },
      status: { type: 'string' },
      limit: { type: 'string' },
      'request-id': { type: 'string', multiple: true },
      'older-than-days': { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  return { command: positionals, options: values as Options };
}

function requireOrgId(options: Options): string {
  if (!options['org-id']) throw new UsageError('--org-id is required');
  const parsed = orgIdSchema.safeParse(options['org-id']);
  if (!parsed.success)
    throw new UsageError(`--org-id: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

function positiveNumber(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new UsageError(`${flag} must be a positive number`);
  return number;
}

function parseSalesforceAuth(raw: string | undefined): SalesforceAuth | undefined {
  if (raw === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new UsageError('--sf-auth must be JSON');
  }
  const parsed = salesforceAuthSchema.safeParse(json);
  if (!parsed.success) {
    // Name the fields, never echo the values: this JSON carries secrets.
    throw new UsageError(
      `--sf-auth is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'type'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

function parseOnOff(value: string | undefined, flag: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (value === 'on' || value === 'off') return value === 'on';
  throw new UsageError(`${flag} must be on or off`);
}

function parseQuotaWeight(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,3}$/.test(value) || Number(value) < 1 || Number(value) > MAX_QUOTA_WEIGHT)
    throw new UsageError(`--quota-weight must be a whole number from 1 to ${MAX_QUOTA_WEIGHT}`);
  return Number(value);
}

const OUTBOX_STATUSES = ['pending', 'parked', 'delivered'] as const;

function parseOutboxStatus(value: string | undefined): OutboxStatus[] {
  if (value === undefined) return ['pending', 'parked'];
  if (value === 'all') return [...OUTBOX_STATUSES];
  const status = OUTBOX_STATUSES.find((s) => s === value);
  if (!status) throw new UsageError('--status must be pending, parked, delivered or all');
  return [status];
}

type Output = { json: unknown; text: string };

async function run(services: Services, command: string[], options: Options): Promise<Output> {
  const [group, action] = command;
  switch (`${group ?? ''} ${action ?? ''}`) {
    case 'tenants add': {
      const orgId = requireOrgId(options);
      const name = options.name?.trim();
      if (!name) throw new UsageError('--name is required');
      const secret = await services.tenants.add({
        orgId,
        name,
        namespace: options.namespace,
        salesforceAuth: parseSalesforceAuth(options['sf-auth']),
      });
      return {
        json: { orgId, secret },
        text: `Tenant ${orgId} added.\nSigning secret (shown once; store it in the org's Pharos Jira setup):\n${secret}`,
      };
    }
    case 'tenants list': {
      const tenants = await services.tenants.list();
      return {
        json: { tenants },
        text:
          tenants.length === 0
            ? 'No tenants.'
            : tenants
                .map(
                  (t) =>
                    `${t.orgId}  ${t.status.padEnd(8)}  namespace=${t.namespace || '-'}  quota-weight=${t.quotaWeight}  ${t.name}`,
                )
                .join('\n'),
      };
    }
    case 'tenants rotate-secret': {
      const orgId = requireOrgId(options);
      const graceMs = positiveNumber(options['grace-hours'], '--grace-hours', 24) * 3_600_000;
      const { secret, previousValidUntil } = await services.tenants.rotateSecret(orgId, graceMs);
      return {
        json: { orgId, secret, previousValidUntil },
        text: `New signing secret for ${orgId} (the previous one stays valid until ${previousValidUntil}):\n${secret}`,
      };
    }
    case 'tenants disable':
    case 'tenants enable': {
      const orgId = requireOrgId(options);
      const status = action === 'disable' ? 'disabled' : 'active';
      await services.tenants.setStatus(orgId, status);
      return { json: { orgId, status }, text: `Tenant ${orgId} is now ${status}.` };
    }
    case 'tenants set': {
      const orgId = requireOrgId(options);
      const auditViews = parseOnOff(options['audit-views'], '--audit-views');
      const salesforceAuth = parseSalesforceAuth(options['sf-auth']);
      const quotaWeight = parseQuotaWeight(options['quota-weight']);
      const { namespace } = options;
      if (
        auditViews === undefined &&
        salesforceAuth === undefined &&
        namespace === undefined &&
        quotaWeight === undefined
      )
        throw new UsageError(
          'tenants set needs --namespace, --audit-views, --sf-auth or --quota-weight',
        );
      // The namespace first: it is the one value the service may refuse as invalid.
      if (namespace !== undefined) await services.tenants.setNamespace(orgId, namespace);
      if (quotaWeight !== undefined) await services.tenants.setQuotaWeight(orgId, quotaWeight);
      if (auditViews !== undefined) await services.tenants.setAuditViews(orgId, auditViews);
      if (salesforceAuth) await services.tenants.setSalesforceAuth(orgId, salesforceAuth);
      const changes = [
        ...(namespace === undefined ? [] : [`namespace ${namespace || 'none'}`]),
        ...(auditViews === undefined ? [] : [`View auditing ${auditViews ? 'on' : 'off'}`]),
        ...(salesforceAuth ? ['Salesforce write-back credential replaced'] : []),
        ...(quotaWeight === undefined ? [] : [`quota weight ${quotaWeight}`]),
      ];
      return {
        json: {
          orgId,
          ...(namespace === undefined ? {} : { namespace }),
          ...(auditViews === undefined ? {} : { auditViews }),
          ...(salesforceAuth ? { hasSalesforceAuth: true } : {}),
          ...(quotaWeight === undefined ? {} : { quotaWeight }),
        },
        text: `Tenant ${orgId}: ${changes.join('; ')}.`,
      };
    }
    case 'outbox list': {
      const status = parseOutboxStatus(options.status);
      const entries = await services.outbox.list({
        status,
        orgId: options['org-id'] === undefined ? undefined : requireOrgId(options),
        limit: positiveNumber(options.limit, '--limit', 100),
      });
      return {
        json: { entries },
        text:
          entries.length === 0
            ? 'No audit events match.'
            : entries
                .map(
                  (e) =>
                    `${e.requestId}  ${e.orgId}  ${e.status.padEnd(9)}  attempts=${e.attempts}  ${e.createdAt}${e.lastError ? `  ${e.lastError.code}: ${e.lastError.message}${e.lastError.fields?.length ? ` [${e.lastError.fields.join(', ')}]` : ''}` : ''}`,
                )
                .join('\n'),
      };
    }
    case 'outbox retry': {
      const requestIds = options['request-id'];
      if (!requestIds?.length && !options['org-id'] && !options.all)
        throw new UsageError('outbox retry needs --request-id, --org-id or --all');
      const requeued = await services.outbox.retryParked(
        {
          orgId: options['org-id'] === undefined ? undefined : requireOrgId(options),
          requestIds,
        },
        services.clock.now(),
      );
      return {
        json: { requeued },
        text: `Re-queued ${requeued} parked audit event${requeued === 1 ? '' : 's'}.`,
      };
    }
    case 'outbox purge-delivered': {
      const days = Number(options['older-than-days'] ?? 30);
      if (!Number.isFinite(days) || days < 0)
        throw new UsageError('--older-than-days must be 0 or more');
      const purged = await services.outbox.purgeDelivered(services.clock.now() - days * 86_400_000);
      return {
        json: { purged },
        text: `Removed ${purged} audit event${purged === 1 ? '' : 's'} delivered more than ${days} days ago.`,
      };
    }
    case 'registration-code create': {
      const orgId = requireOrgId(options);
      const ttlMs = positiveNumber(options['ttl-minutes'], '--ttl-minutes', 60) * 60_000;
      const { code, expiresAt } = await services.tenants.createRegistrationCode({
        orgId,
        ttlMs,
        note: options.note,
      });
      return {
        json: { code, orgId, expiresAt },
        text: `One-time registration code for org ${orgId} (valid until ${expiresAt}):\n${code}`,
      };
    }
    case 'keys rotate': {
      const result = await services.vault.rotate();
      return {
        json: result,
        text: `Re-encrypted ${result.rewrapped} of ${result.total} secrets under the primary key.`,
      };
    }
    default:
      throw new UsageError(
        command.length ? `unknown command: ${command.join(' ')}` : 'no command given',
      );
  }
}

/** Where the CLI writes: the process's own streams, or a test's. */
export interface CliOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Runs one command and answers its exit code: 0 done, 1 failed, 2 usage or configuration.
 * `env` is read (and a `.env` file in the working folder added to it) instead of the process's.
 */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliOutput = process,
): Promise<number> {
  let parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr.write(`error: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.options.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  dotenv.config({ quiet: true, processEnv: env });
  let services: Services | undefined;
  try {
    const config = loadConfig(env);
    // The CLI's own output is its answer; relay log lines go to stderr at warn and above.
    const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'warn', io.stderr);
    services = await createServices(config, logger);
    const output = await run(services, parsed.command, parsed.options);
    io.stdout.write(`${parsed.options.json ? JSON.stringify(output.json) : output.text}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ConfigError) {
      for (const problem of error.problems) io.stderr.write(`config error: ${problem}\n`);
      return 2;
    }
    if (error instanceof AppError) {
      io.stderr.write(`error: ${error.detail} (${error.code})\n`);
      return 1;
    }
    io.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await services?.store.close();
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
