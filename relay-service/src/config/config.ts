import { z } from 'zod';

const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], {
    error: 'expected true or false',
  })
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
  .transform((value) => value.replace(/\/+$/, ''));

const milliseconds = (min: number, fallback: number) =>
  z.coerce
    .number({ error: 'expected milliseconds' })
    .int('expected a whole number')
    .min(min, `expected at least ${min}`)
    .default(fallback);

const keyEntry = /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=$/;

const databaseUrl = z
  .string()
  .refine((value) => /^sqlite:.+/.test(value) || /^postgres(ql)?:\/\/.+/.test(value), {
    message: 'expected sqlite:<path> or postgres://…',
  });

/**
 * The whole runtime configuration, read once from the environment. Nothing else in the relay
 * reads process.env.
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce
      .number({ error: 'expected a port number' })
      .int('expected a whole number')
      .min(0, 'expected 0–65535')
      .max(65535, 'expected 0–65535')
      .default(8080),
    HOST: z.string().min(1).default('0.0.0.0'),
    DATABASE_URL: databaseUrl.default('sqlite:./.data/relay.db'),
    RELAY_ENCRYPTION_KEYS: z
      .string()
      .refine(
        (value) => value.split(',').every((entry) => keyEntry.test(entry.trim())),
        'expected kid:base64key[,kid:base64key] with 32-byte keys',
      )
      .optional(),
    RELAY_PUBLIC_URL: httpUrl.default('http://localhost:8080'),
    ATLASSIAN_CLIENT_ID: z.string().min(1).optional(),
    ATLASSIAN_CLIENT_SECRET: z.string().min(1).optional(),
    ATLASSIAN_AUTH_URL: httpUrl.default('https://auth.atlassian.com'),
    ATLASSIAN_API_URL: httpUrl.default('https://api.atlassian.com'),
    RELAY_ALLOW_PRIVATE_UPSTREAMS: booleanFlag.default(false),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'expected one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
    RELAY_METRICS_ENABLED: booleanFlag.default(true),
    // Long enough that it cannot be guessed; `openssl rand -hex 32` gives 64 characters.
    RELAY_METRICS_TOKEN: z
      .string()
      .min(32, 'expected at least 32 characters (e.g. openssl rand -hex 32)')
      .max(512, 'expected at most 512 characters')
      .regex(/^\S+$/, 'expected no blanks')
      .optional(),
    RELAY_BODY_LIMIT_BYTES: z.coerce
      .number({ error: 'expected a number of bytes' })
      .int('expected a whole number')
      .min(1024, 'expected at least 1024')
      .max(50 * 1024 * 1024, 'expected at most 52428800')
      .default(1024 * 1024),
    RELAY_TENANT_RATE_LIMIT_PER_MINUTE: z.coerce
      .number({ error: 'expected a number' })
      .int('expected a whole number')
      .min(1, 'expected at least 1')
      .default(1200),
    RELAY_BODY_TIMEOUT_MS: milliseconds(100, 10_000),
    RELAY_HEADERS_TIMEOUT_MS: milliseconds(1_000, 10_000),
    RELAY_SHUTDOWN_TIMEOUT_MS: z.coerce
      .number({ error: 'expected milliseconds' })
      .int('expected a whole number')
      .min(0, 'expected 0 or more')
      .default(10_000),
    RELAY_OUTBOX_POLL_MS: milliseconds(1, 1_000),
    RELAY_OUTBOX_LEASE_MS: milliseconds(1, 120_000),
    RELAY_OUTBOX_BACKOFF_BASE_MS: milliseconds(1, 1_000),
    RELAY_OUTBOX_BACKOFF_MAX_MS: milliseconds(1, 300_000),
    RELAY_OUTBOX_FLUSH_ON_SHUTDOWN_MS: milliseconds(0, 5_000),
    RELAY_OUTBOX_LINGER_MS: milliseconds(0, 2_000),
    RELAY_SALESFORCE_TIMEOUT_MS: milliseconds(1, 30_000),
    RELAY_JIRA_MAX_CONCURRENCY: z.coerce
      .number({ error: 'expected a number' })
      .int('expected a whole number')
      .min(1, 'expected at least 1')
      .max(4096, 'expected at most 4096')
      .default(256),
    RELAY_JIRA_MIN_CONCURRENCY: z.coerce
      .number({ error: 'expected a number' })
      .int('expected a whole number')
      .min(1, 'expected at least 1')
      .default(4),
    RELAY_JIRA_MAX_QUEUE_WAIT_MS: milliseconds(0, 1_000),
    ATLASSIAN_APP_HOURLY_POINTS: z.coerce
      .number({ error: 'expected a number of points' })
      .int('expected a whole number')
      .min(1, 'expected at least 1')
      .optional(),
  })
  .superRefine((env, ctx) => {
    // Production must never run on a key generated onto local disk: a lost or copied data
    // folder would then lose or leak every stored credential.
    if (env.NODE_ENV === 'production' && !env.RELAY_ENCRYPTION_KEYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RELAY_ENCRYPTION_KEYS'],
        message: 'required when NODE_ENV=production',
      });
    }
    // A lease shorter than a Salesforce call would let a second drainer resend a batch that
    // is still in flight: harmless (upsert) but a wasted API call on every slow answer.
    if (env.RELAY_OUTBOX_LEASE_MS <= env.RELAY_SALESFORCE_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RELAY_OUTBOX_LEASE_MS'],
        message: 'must be longer than RELAY_SALESFORCE_TIMEOUT_MS',
      });
    }
    if (env.RELAY_OUTBOX_BACKOFF_MAX_MS < env.RELAY_OUTBOX_BACKOFF_BASE_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RELAY_OUTBOX_BACKOFF_MAX_MS'],
        message: 'must be at least RELAY_OUTBOX_BACKOFF_BASE_MS',
      });
    }
    // A floor above the ceiling would leave the adaptive limit nowhere to move (checked only
    // when the ceiling itself is valid, so one mistake is named once).
    if (
      env.RELAY_JIRA_MAX_CONCURRENCY >= 1 &&
      env.RELAY_JIRA_MIN_CONCURRENCY > env.RELAY_JIRA_MAX_CONCURRENCY
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['RELAY_JIRA_MIN_CONCURRENCY'],
        message: 'must be at most RELAY_JIRA_MAX_CONCURRENCY',
      });
    }
    // A client id without its secret (or the reverse) would only fail later, at the first
    // OAuth callback, in front of an admin.
    if (Boolean(env.ATLASSIAN_CLIENT_ID) !== Boolean(env.ATLASSIAN_CLIENT_SECRET)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.ATLASSIAN_CLIENT_ID ? 'ATLASSIAN_CLIENT_SECRET' : 'ATLASSIAN_CLIENT_ID'],
        message: 'ATLASSIAN_CLIENT_ID and ATLASSIAN_CLIENT_SECRET go together',
      });
    }
  });

export type RawConfig = z.output<typeof configSchema>;

export interface EncryptionKey {
  kid: string;
  key: Buffer;
}

export type StoreLocation =
  { engine: 'sqlite'; path: string } | { engine: 'postgres'; url: string };

export interface Config {
  env: RawConfig['NODE_ENV'];
  port: number;
  host: string;
  store: StoreLocation;
  /** Undefined when none were configured; resolveEncryptionKeys then supplies a development key. */
  encryptionKeys: EncryptionKey[] | undefined;
  publicUrl: string;
  atlassian: {
    clientId: string | undefined;
    clientSecret: string | undefined;
    authUrl: string;
    apiUrl: string;
  };
  allowPrivateUpstreams: boolean;
  logLevel: RawConfig['LOG_LEVEL'];
  metricsEnabled: boolean;
  /** Bearer token that /metrics requires; without one, /metrics is not served. */
  metricsToken: string | undefined;
  bodyLimitBytes: number;
  /** How long a request body may take to arrive once its headers are in (408 beyond). */
  bodyTimeoutMs: number;
  /** How long a client may take to send the request headers (the server closes beyond). */
  headersTimeoutMs: number;
  tenantRateLimitPerMinute: number;
  shutdownTimeoutMs: number;
  /** Calls to Jira per connection: the adaptive limit's range and the longest wait for a slot. */
  jira: {
    maxConcurrency: number;
    minConcurrency: number;
    maxQueueWaitMs: number;
    /** This instance's part of the Atlassian app's hourly points; undefined: not enforced locally. */
    appHourlyPoints: number | undefined;
  };
  /** Audit write-back: how the outbox drainer paces itself and Salesforce calls. */
  outbox: {
    pollIntervalMs: number;
    leaseMs: number;
    backoffBaseMs: number;
    backoffMaxMs: number;
    flushOnShutdownMs: number;
    /** How long a partial batch waits for more events before it is sent anyway. */
    lingerMs: number;
    salesforceTimeoutMs: number;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((line) => `  ${line}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseEncryptionKeys(value: string): EncryptionKey[] {
  return value.split(',').map((entry) => {
    const [kid, key] = entry.trim().split(':') as [string, string];
    return { kid, key: Buffer.from(key, 'base64') };
  });
}

function describeValue(env: Record<string, string | undefined>, variable: string): string {
  const value = env[variable];
  if (value === undefined) return 'it is not set';
  // Never echo anything that may be a secret.
  if (/KEY|SECRET|PASSWORD|TOKEN/.test(variable) || variable === 'DATABASE_URL')
    return 'value hidden';
  return `got "${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`;
}

/** Reads and validates the environment once. Throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings are treated as unset, as shells and .env files produce them for "no value".
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? 'environment');
      return `${variable}: ${issue.message} (${describeValue(cleaned, variable)})`;
    });
    throw new ConfigError(problems);
  }
  const raw = parsed.data;
  const store: StoreLocation = raw.DATABASE_URL.startsWith('sqlite:')
    ? { engine: 'sqlite', path: raw.DATABASE_URL.slice('sqlite:'.length) }
    : { engine: 'postgres', url: raw.DATABASE_URL };
  return {
    env: raw.NODE_ENV,
    port: raw.PORT,
    host: raw.HOST,
    store,
    encryptionKeys: raw.RELAY_ENCRYPTION_KEYS
      ? parseEncryptionKeys(raw.RELAY_ENCRYPTION_KEYS)
      : undefined,
    publicUrl: raw.RELAY_PUBLIC_URL,
    atlassian: {
      clientId: raw.ATLASSIAN_CLIENT_ID,
      clientSecret: raw.ATLASSIAN_CLIENT_SECRET,
      authUrl: raw.ATLASSIAN_AUTH_URL,
      apiUrl: raw.ATLASSIAN_API_URL,
    },
    allowPrivateUpstreams: raw.RELAY_ALLOW_PRIVATE_UPSTREAMS,
    logLevel: raw.LOG_LEVEL,
    metricsEnabled: raw.RELAY_METRICS_ENABLED,
    metricsToken: raw.RELAY_METRICS_TOKEN,
    bodyLimitBytes: raw.RELAY_BODY_LIMIT_BYTES,
    bodyTimeoutMs: raw.RELAY_BODY_TIMEOUT_MS,
    headersTimeoutMs: raw.RELAY_HEADERS_TIMEOUT_MS,
    tenantRateLimitPerMinute: raw.RELAY_TENANT_RATE_LIMIT_PER_MINUTE,
    shutdownTimeoutMs: raw.RELAY_SHUTDOWN_TIMEOUT_MS,
    jira: {
      maxConcurrency: raw.RELAY_JIRA_MAX_CONCURRENCY,
      minConcurrency: raw.RELAY_JIRA_MIN_CONCURRENCY,
      maxQueueWaitMs: raw.RELAY_JIRA_MAX_QUEUE_WAIT_MS,
      appHourlyPoints: raw.ATLASSIAN_APP_HOURLY_POINTS,
    },
    outbox: {
      pollIntervalMs: raw.RELAY_OUTBOX_POLL_MS,
      leaseMs: raw.RELAY_OUTBOX_LEASE_MS,
      backoffBaseMs: raw.RELAY_OUTBOX_BACKOFF_BASE_MS,
      backoffMaxMs: raw.RELAY_OUTBOX_BACKOFF_MAX_MS,
      flushOnShutdownMs: raw.RELAY_OUTBOX_FLUSH_ON_SHUTDOWN_MS,
      lingerMs: raw.RELAY_OUTBOX_LINGER_MS,
      salesforceTimeoutMs: raw.RELAY_SALESFORCE_TIMEOUT_MS,
    },
  };
}
