import dotenv from 'dotenv';
import { ConfigError, loadConfig } from './config/config';
import { createApp } from './app';
import { createLogger } from './lib/logger';
import { listen } from './server';
import { createServices } from './services';
import { startHousekeeping } from './housekeeping';

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems) process.stderr.write(`config error: ${problem}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const services = await createServices(config, logger);
  const housekeeping = startHousekeeping(
    {
      nonces: services.replayGuard,
      rateWindows: services.rateLimiter,
      idempotencyRecords: services.idempotency,
    },
    logger,
  );

  services.auditDrainer.start();

  const handle = await listen(createApp(services), {
    port: config.port,
    host: config.host,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
    logger,
    onClosed: async () => {
      housekeeping.stop();
      // Audit events still queued go out now if Salesforce answers in time; else after restart.
      await services.auditDrainer.stop({ flushWithinMs: config.outbox.flushOnShutdownMs });
      await services.jira.close();
      await services.connectionActivity.settled();
      await services.salesforceFiles.close();
      await services.dataCenterOAuth.close();
      await services.store.close();
    },
  });
  logger.info({ url: handle.url, store: config.store.engine }, 'relay listening');
  if (config.metricsEnabled && !config.metricsToken)
    logger.warn('RELAY_METRICS_TOKEN is not set: /metrics answers 404 until it is');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      handle.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `relay failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
