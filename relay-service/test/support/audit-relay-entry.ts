/**
 * A relay process for the audit crash test: the real configuration, services, app and outbox
 * drainer, plus a test-only route that records audit events through the real OutboxAuditSink
 * (the Jira operations that will produce them do not exist yet). The test kills this process
 * with SIGKILL and starts it again on the same store.
 */
import express, { Router } from 'express';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/lib/logger';
import { listen } from '../../src/server';
import { createServices } from '../../src/services';
import { auditEvent } from './audit-events';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const services = await createServices(config, logger);

  const routes = Router();
  routes.post('/test/audit-events', express.json(), async (req, res) => {
    const { prefix, from, count } = req.body as { prefix: string; from: number; count: number };
    // One transaction, as an operation records its outcome and its audit event together.
    await services.store.transaction(async (tx) => {
      for (let i = from; i < from + count; i += 1)
        await services.audit.record(auditEvent(`${prefix}-${String(i).padStart(6, '0')}`), tx);
    });
    services.auditDrainer.wake();
    res.json({ recorded: count });
  });
  routes.get('/test/outbox-stats', async (_req, res) => {
    res.json(await services.outbox.stats());
  });

  services.auditDrainer.start();
  const handle = await listen(createApp(services, { extraRoutes: routes }), {
    port: config.port,
    host: config.host,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    logger,
    onClosed: async () => {
      await services.auditDrainer.stop({ flushWithinMs: config.outbox.flushOnShutdownMs });
      await services.store.close();
    },
  });
  process.stdout.write(`AUDIT_RELAY_READY ${handle.url} pid=${process.pid}\n`);
  process.once('SIGTERM', () => {
    void handle.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`audit relay failed: ${String(error)}\n`);
  process.exit(1);
});
