import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { parseEncryptionKeys, type Config, type EncryptionKey } from './config';

const DEV_KEY_FILE = 'dev-encryption.key';

/** Where development-only files live: beside the SQLite database, or ./.data for PostgreSQL. */
export function dataFolder(config: Config): string {
  return config.store.engine === 'sqlite'
    ? path.dirname(path.resolve(config.store.path))
    : path.resolve('.data');
}

/**
 * The configured keys, or in development a key generated once into the data folder so that
 * `npm start` works with no configuration. Production never reaches the generating branch
 * (loadConfig refuses it).
 */
export function resolveEncryptionKeys(config: Config, logger?: Logger): EncryptionKey[] {
  if (config.encryptionKeys) return config.encryptionKeys;
  if (config.env === 'production')
    throw new Error('RELAY_ENCRYPTION_KEYS is required in production');
  const folder = dataFolder(config);
  const file = path.join(folder, DEV_KEY_FILE);
  if (!existsSync(file)) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(file, `dev1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  logger?.warn(
    { keyFile: file },
    'RELAY_ENCRYPTION_KEYS is not set: using a development key generated into the data folder. Set RELAY_ENCRYPTION_KEYS before storing real credentials.',
  );
  return parseEncryptionKeys(readFileSync(file, 'utf8').trim());
}
