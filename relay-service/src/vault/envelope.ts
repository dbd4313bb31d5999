import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from '../config/config';

const FORMAT = 'pv1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class VaultDecryptError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultDecryptError';
  }
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function gcmOpen(key: Buffer, sealed: Buffer, aad: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new VaultDecryptError('ciphertext too short');
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

/**
 * Envelope encryption: each secret gets its own random data key (AES-256-GCM), and the data
 * key is wrapped by a key-encryption key named by its key id. The vault reference is bound as
 * associated data, so a ciphertext copied onto another row does not decrypt.
 *
 * Format: pv1.<kid>.<wrapped data key>.<sealed secret>, both parts base64url.
 */
export class Envelope {
  private readonly keys: Map<string, Buffer>;
  readonly primaryKeyId: string;

  constructor(keys: EncryptionKey[]) {
    const [primary] = keys;
    if (!primary) throw new Error('at least one encryption key is required');
    this.keys = new Map();
    for (const { kid, key } of keys) {
      if (key.length !== 32) throw new Error(`encryption key ${kid} must be 32 bytes`);
      if (this.keys.has(kid)) throw new Error(`encryption key id ${kid} appears twice`);
      this.keys.set(kid, key);
    }
    this.primaryKeyId = primary.kid;
  }

  seal(ref: string, plaintext: string): string {
    const dataKey = randomBytes(32);
    const kek = this.keys.get(this.primaryKeyId) as Buffer;
    const wrapped = gcmSeal(kek, dataKey, `${FORMAT}:dek:${this.primaryKeyId}:${ref}`);
    const sealed = gcmSeal(dataKey, Buffer.from(plaintext, 'utf8'), `${FORMAT}:data:${ref}`);
    dataKey.fill(0);
    return [
      FORMAT,
      this.primaryKeyId,
      wrapped.toString('base64url'),
      sealed.toString('base64url'),
    ].join('.');
  }

  keyIdOf(ciphertext: string): string {
    return this.parse(ciphertext).kid;
  }

  open(ref: string, ciphertext: string): string {
    const { kid, wrapped, sealed } = this.parse(ciphertext);
    const kek = this.keys.get(kid);
    if (!kek) throw new VaultDecryptError(`no configured encryption key has id ${kid}`);
    try {
      const dataKey = gcmOpen(kek, wrapped, `${FORMAT}:dek:${kid}:${ref}`);
      const plaintext = gcmOpen(dataKey, sealed, `${FORMAT}:data:${ref}`);
      dataKey.fill(0);
      return plaintext.toString('utf8');
    } catch (error) {
      if (error instanceof VaultDecryptError) throw error;
      throw new VaultDecryptError(`secret ${ref} failed authentication (tampered or wrong key)`, {
        cause: error,
      });
    }
  }

  /** Re-wraps the data key under the primary key; the secret itself is not re-encrypted. */
  rewrap(ref: string, ciphertext: string): string {
    const { kid, wrapped, sealed } = this.parse(ciphertext);
    if (kid === this.primaryKeyId) return ciphertext;
    const kek = this.keys.get(kid);
    if (!kek) throw new VaultDecryptError(`no configured encryption key has id ${kid}`);
    let dataKey: Buffer;
    try {
      dataKey = gcmOpen(kek, wrapped, `${FORMAT}:dek:${kid}:${ref}`);
      // Prove the data key really opens the secret before the old wrapping is thrown away.
      gcmOpen(dataKey, sealed, `${FORMAT}:data:${ref}`);
    } catch (error) {
      throw new VaultDecryptError(`secret ${ref} failed authentication (tampered or wrong key)`, {
        cause: error,
      });
    }
    const primary = this.keys.get(this.primaryKeyId) as Buffer;
    const rewrapped = gcmSeal(primary, dataKey, `${FORMAT}:dek:${this.primaryKeyId}:${ref}`);
    dataKey.fill(0);
    return [
      FORMAT,
      this.primaryKeyId,
      rewrapped.toString('base64url'),
      sealed.toString('base64url'),
    ].join('.');
  }

  private parse(ciphertext: string): { kid: string; wrapped: Buffer; sealed: Buffer } {
    const parts = ciphertext.split('.');
    if (parts.length !== 4 || parts[0] !== FORMAT)
      throw new VaultDecryptError('not a vault ciphertext');
    const [, kid, wrapped, sealed] = parts as [string, string, string, string];
    return {
      kid,
      wrapped: Buffer.from(wrapped, 'base64url'),
      sealed: Buffer.from(sealed, 'base64url'),
    };
  }
}
