import type { Logger } from 'pino';
import type { Config } from './config/config';
import { resolveEncryptionKeys } from './config/encryption-keys';
import { ConnectionService } from './connections/connection-service';
import { systemClock, type Clock } from './lib/clock';
import { openStore, type Store } from './store/store';
import { RateLimiter } from './tenants/rate-limiter';
import { ReplayGuard } from './tenants/replay-guard';
import { TenantService } from './tenants/tenant-service';
import { Envelope } from './vault/envelope';
import { Vault } from './vault/vault';

/** Everything the routes and the CLI use, built once from the configuration. */
export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  store: Store;
  vault: Vault;
  tenants: TenantService;
  replayGuard: ReplayGuard;
  rateLimiter: RateLimiter;
  connections: ConnectionService;
}

export async function createServices(
  config: Config,
  logger: Logger,
  clock: Clock = systemClock,
): Promise<Services> {
  const envelope = new Envelope(resolveEncryptionKeys(config, logger));
  const store = openStore(config.store);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  const vault = new Vault(store, envelope, clock);
  return {
    config,
    logger,
    clock,
    store,
    vault,
    tenants: new TenantService(store, vault, clock),
    replayGuard: new ReplayGuard(store, clock),
    rateLimiter: new RateLimiter(config.tenantRateLimitPerMinute, () => clock.now()),
    connections: new ConnectionService(store),
  };
}
