import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { signedHeaders } from '../src/tenants/signing';
import { formatTable, measure, type Measurement } from './harness';

const USER_ID = '0055g00000AbCdEFGH';
const ROOT = path.resolve(__dirname, '../..');

interface RelayProcess {
  url: string;
  orgId: string;
  secret: string;
  stop(): Promise<void>;
}

function startRelay(databaseUrl: string): Promise<RelayProcess> {
  const child = spawn(
    path.join(ROOT, 'node_modules/.bin/tsx'),
    [path.join(__dirname, 'signed-requests.relay.ts')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl,
        RELAY_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
        // Logging costs the same on both routes; keep it out so the ratio shows the signature cost.
        LOG_LEVEL: 'warn',
        RELAY_TENANT_RATE_LIMIT_PER_MINUTE: '100000000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      const ready = JSON.parse(line) as { url: string; orgId: string; secret: string };
      resolve({
        ...ready,
        stop: () =>
          new Promise<void>((done) => {
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.once('exit', (code) => reject(new Error(`bench relay exited with ${code}`)));
  });
}

/**
 * Signed GET /v1/connections against an unsigned route doing the same store read, in the same
 * run and the same relay process, with identical request headers, so the ratio isolates
 * signature verification + replay check + rate limit.
 */
export async function benchSignedRequests(options: {
  durationSeconds: number;
  connections: number;
  rounds: number;
}): Promise<string> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'pharos-bench-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `sqlite:${path.join(folder, 'bench.db')}`;
  const relay = await startRelay(databaseUrl);

  // Signatures are computed before each run: signing is the client's cost, not the relay's.
  const pool: Record<string, string>[] = [];
  const fillPool = () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    pool.length = 0;
    for (let i = 0; i < options.durationSeconds * 20_000; i += 1) {
      pool.push(
        signedHeaders(
          relay.secret,
          {
            method: 'GET',
            target: '/v1/connections',
            orgId: relay.orgId,
            userId: USER_ID,
            body: '',
            timestamp,
          },
          () => randomBytes(12).toString('base64url'),
        ),
      );
    }
  };
  const next = () => {
    const headers = pool.pop();
    if (!headers) throw new Error('ran out of pre-signed requests; raise the pool size');
    return headers;
  };

  try {
    fillPool();
    await measure('warm-up', {
      url: `${relay.url}/v1/connections`,
      durationSeconds: 1,
      connections: options.connections,
      headers: next,
    });
    const baselines: Measurement[] = [];
    const signed: Measurement[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      // The baseline receives the very same headers (and ignores them).
      fillPool();
      baselines.push(
        await measure(`unsigned same store read (round ${round})`, {
          url: `${relay.url}/bench/connections`,
          durationSeconds: options.durationSeconds,
          connections: options.connections,
          headers: next,
        }),
      );
      fillPool();
      signed.push(
        await measure(`signed GET /v1/connections (round ${round})`, {
          url: `${relay.url}/v1/connections`,
          durationSeconds: options.durationSeconds,
          connections: options.connections,
          headers: next,
        }),
      );
    }
    const best = (runs: Measurement[]) =>
      runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
    const baseline = best(baselines);
    const overhead = 1 - best(signed).requestsPerSecond / baseline.requestsPerSecond;
    return [
      `Signed requests (${databaseUrl.split(':')[0]}, relay in its own process, ${options.connections} connections, ${options.durationSeconds}s runs, best of ${options.rounds})`,
      formatTable([...baselines, ...signed], baseline),
      `signature + replay check cost: ${(overhead * 100).toFixed(1)} % of throughput (aim: < 15 %)`,
    ].join('\n');
  } finally {
    await relay.stop();
    if (!process.env.BENCH_DATABASE_URL) rmSync(folder, { recursive: true, force: true });
  }
}
