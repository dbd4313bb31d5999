import { Router } from 'express';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/config';
import { createLogger } from '../src/lib/logger';
import { listen } from '../src/server';
import { createServices } from '../src/services';

/**
 * The relay under test for signed-requests.bench.ts, in its own process so that it has a core
 * to itself and the load generator's work is not counted against it. It adds one tenant and an
 * unsigned route doing the same store read as GET /v1/connections, then prints where it
 * listens and the tenant's secret as one JSON line.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, process.stderr);
  const services = await createServices(config, logger);
  const orgId = '00D5g000004ABCDEAY';
  const secret = await services.tenants.add({ orgId, name: 'Bench' });
  const baseline = Router();
  baseline.get('/bench/connections', async (_req, res) => {
    res.json({ connections: await services.connections.list(orgId) });
  });
  const handle = await listen(createApp(services, { extraRoutes: baseline }), {
    port: 0,
    host: '127.0.0.1',
    shutdownTimeoutMs: 2000,
    headersTimeoutMs: config.headersTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
    logger,
    onClosed: () => services.store.close(),
  });
  process.stdout.write(`${JSON.stringify({ url: handle.url, orgId, secret })}\n`);
  process.once('SIGTERM', () => void handle.stop().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench relay failed: ${String(error)}\n`);
  process.exit(1);
});
