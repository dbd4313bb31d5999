import type { Logger } from 'pino';

/** A store that keeps rows only for a while and deletes the expired ones when asked. */
export interface ExpiringRows {
  purgeExpired?(): Promise<number>;
}

/**
 * Deletes expired rows (nonces, shared rate windows, idempotency records) on a timer. Without
 * it those tables grow with every signed request for as long as the relay runs. Each purge runs
 * on its own, so one failing (the database briefly away) does not stop the others, and a purge
 * still running when the next tick comes is not started twice.
 */
export function startHousekeeping(
  tables: Readonly<Record<string, ExpiringRows>>,
  logger: Logger,
  intervalMs = 60_000,
): { stop(): void; runOnce(): Promise<void> } {
  const running = new Set<string>();
  const purge = async (name: string, rows: ExpiringRows): Promise<void> => {
    if (!rows.purgeExpired || running.has(name)) return;
    running.add(name);
    try {
      const deleted = await rows.purgeExpired();
      if (deleted > 0) logger.debug({ table: name, deleted }, 'expired rows purged');
    } catch (error) {
      logger.warn({ err: error, table: name }, 'purge of expired rows failed');
    } finally {
      running.delete(name);
    }
  };
  const runOnce = async (): Promise<void> => {
    await Promise.all(Object.entries(tables).map(([name, rows]) => purge(name, rows)));
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
