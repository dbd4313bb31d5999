import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Router } from 'express';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/lib/logger';
import { listen } from '../src/server';
import { createServices } from '../src/services';
import { signedHeaders } from '../src/tenants/signing';
import { formatTable, measure, type Measurement } from './harness';

const ORG_ID = '00D5g000004ABCDEAY';
const USER_ID = '0055g00000AbCdEFGH';

/**
 * Signed GET /v1/connections against an unsigned route doing the same store read, in the same
 * run and process, so the ratio isolates signature verification + replay check + rate limit.
 */
export async function benchSignedRequests(options: {
  durationSeconds: number;
  connections: number;
  rounds: number;
}): Promise<string> {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'pharos-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${path.join(folder, 'bench.db')}`,
    RELAY_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    // Logging is the same for both routes; keep it out so the ratio shows the signature cost.
    LOG_LEVEL: 'warn',
    RELAY_TENANT_RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const logger = createLogger(config.logLevel);
  const services = await createServices(config, logger);
  const secret = await services.tenants.add({ orgId: ORG_ID, name: 'Bench' });

  const baselineRoute = Router();
  baselineRoute.get('/bench/connections', async (_req, res) => {
    res.json({ connections: await services.connections.list(ORG_ID) });
  });
  const handle = await listen(createApp(services, { extraRoutes: baselineRoute }), {
    port: 0,
    host: '127.0.0.1',
    shutdownTimeoutMs: 5000,
    logger,
    onClosed: () => services.store.close(),
  });

  // Signatures are computed before the run: the load generator shares the CPU with the relay,
  // and signing is the client's cost, not the relay's.
  const precomputed: Record<string, string>[] = [];
  const nextSigned = () => {
    const headers = precomputed.pop();
    if (!headers) throw new Error('ran out of pre-signed requests; raise the pool size');
    return headers;
  };
  const fillPool = (size: number) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    precomputed.length = 0;
    for (let i = 0; i < size; i += 1) {
      precomputed.push(
        signedHeaders(
          secret,
          {
            method: 'GET',
            target: '/v1/connections',
            orgId: ORG_ID,
            userId: USER_ID,
            body: '',
            timestamp,
          },
          () => randomBytes(12).toString('base64url'),
        ),
      );
    }
  };
  const poolSize = Math.ceil(options.durationSeconds * 30_000);

  try {
    await measure('warm-up', {
      url: `${handle.url}/bench/connections`,
      durationSeconds: 1,
      connections: options.connections,
    });
    const baselines: Measurement[] = [];
    const signed: Measurement[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      // The baseline receives the very same headers (and ignores them), so request size, header
      // parsing and load-generator work are equal and the ratio isolates the verification.
      fillPool(poolSize);
      baselines.push(
        await measure(`unsigned same store read (round ${round})`, {
          url: `${handle.url}/bench/connections`,
          durationSeconds: options.durationSeconds,
          connections: options.connections,
          headers: nextSigned,
        }),
      );
      fillPool(poolSize);
      signed.push(
        await measure(`signed GET /v1/connections (round ${round})`, {
          url: `${handle.url}/v1/connections`,
          durationSeconds: options.durationSeconds,
          connections: options.connections,
          headers: nextSigned,
        }),
      );
    }
    const best = (runs: Measurement[]) =>
      runs.reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
    const baseline = best(baselines);
    const bestSigned = best(signed);
    const overhead = 1 - bestSigned.requestsPerSecond / baseline.requestsPerSecond;
    return [
      `Signed requests (${config.store.engine}, ${options.connections} connections, ${options.durationSeconds}s runs, best of ${options.rounds})`,
      formatTable([...baselines, ...signed], baseline),
      `signature + replay check cost: ${(overhead * 100).toFixed(1)} % of throughput (aim: < 15 %)`,
    ].join('\n');
  } finally {
    await handle.stop();
    if (!process.env.BENCH_DATABASE_URL) rmSync(folder, { recursive: true, force: true });
  }
}
