import { readFileSync } from 'node:fs';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/store';
import { Envelope, VaultDecryptError } from '../../src/vault/envelope';
import { Vault } from '../../src/vault/vault';
import { tempDir } from '../support/stores';

const oldKey = { kid: 'old', key: Buffer.alloc(32, 1) };
const newKey = { kid: 'new', key: Buffer.alloc(32, 2) };
const clock = { now: () => 1_800_000_000_000 };

describe('vault envelope', () => {
  const envelope = new Envelope([oldKey]);

  it('when a secret is sealed then it opens again and carries the key id', () => {
    const sealed = envelope.seal('connection/a', 'atlassian-token-123');
    expect(sealed.startsWith('pv1.old.')).toBe(true);
    expect(sealed).not.toContain('atlassian-token-123');
    expect(envelope.open('connection/a', sealed)).toBe('atlassian-token-123');
  });

  it('when the same secret is sealed twice then the ciphertexts differ', () => {
    expect(envelope.seal('r', 's')).not.toBe(envelope.seal('r', 's'));
  });

  it('when any byte of the ciphertext is changed then opening fails', () => {
    const sealed = envelope.seal('connection/a', 'secret');
    const [format, kid, wrapped, data] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(data, 'base64url');
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] as number) ^ 1;
    expect(() =>
      envelope.open(
        'connection/a',
        [format, kid, wrapped, flipped.toString('base64url')].join('.'),
      ),
    ).toThrow(VaultDecryptError);
    const flippedKey = Buffer.from(wrapped, 'base64url');
    flippedKey[14] = (flippedKey[14] as number) ^ 1;
    expect(() =>
      envelope.open(
        'connection/a',
        [format, kid, flippedKey.toString('base64url'), data].join('.'),
      ),
    ).toThrow(VaultDecryptError);
  });

  it('when a ciphertext is moved to another reference then opening fails', () => {
    const sealed = envelope.seal('connection/a', 'secret');
    expect(() => envelope.open('connection/b', sealed)).toThrow(VaultDecryptError);
  });

  it('when the key id is unknown then opening fails with a clear message', () => {
    const sealed = new Envelope([newKey]).seal('r', 's');
    expect(() => envelope.open('r', sealed)).toThrow(/no configured encryption key has id new/);
  });
});

describe('vault on SQLite', () => {
  let store: Store;
  let file: string;

  beforeEach(async () => {
    file = path.join(tempDir(), 'vault.db');
    store = openStore({ engine: 'sqlite', path: file });
    await store.migrate();
  });
  afterEach(() => store.close());

  it('when keys rotate then every secret moves to the new key and still opens', async () => {
    const before = new Vault(store, new Envelope([oldKey]), clock);
    await before.put('a', 'alpha-secret');
    await before.put('b', 'beta-secret');
    const after = new Vault(store, new Envelope([newKey, oldKey]), clock);
    expect(await after.rotate()).toEqual({ rewrapped: 2, total: 2 });
    expect(await after.rotate()).toEqual({ rewrapped: 0, total: 2 });
    const onlyNew = new Vault(store, new Envelope([newKey]), clock);
    expect(await onlyNew.get('a')).toBe('alpha-secret');
    expect(await onlyNew.get('b')).toBe('beta-secret');
    const kids = await store.db.selectFrom('vault_entries').select('key_id').execute();
    expect(kids.map((k) => k.key_id)).toEqual(['new', 'new']);
  });

  it("when a connection's secrets are deleted then its own and its users' go, and no other's", async () => {
    const vault = new Vault(store, new Envelope([oldKey]), clock);
    const org = '00D000000000001AAA';
    const refs = [
      `connection/${org}/o_s`,
      `connection/${org}/o_s/005000000000001AAA`,
      `connection/${org}/ops`,
      `connection/${org}/ops/005000000000001AAA`,
      `connection/${org}/o_s2`,
      `connection/00D000000000002AAA/o_s`,
    ];
    for (const ref of refs) await vault.put(ref, 'secret');
    await vault.deleteConnectionSecrets(org, 'o_s');
    const left = await store.db.selectFrom('vault_entries').select('ref').orderBy('ref').execute();
    expect(left.map((r) => r.ref)).toEqual(refs.slice(2).sort());
  });

  it('when secrets are stored then the database file holds none of them in plain text', async () => {
    const vault = new Vault(store, new Envelope([oldKey]), clock);
    const secrets = ['ATATT3xFfGF0-plain-api-token', 'pat-Z9y8X7w6V5u4', 'hunter2-password-value'];
    for (const [i, secret] of secrets.entries()) await vault.put(`s${i}`, secret);
    await store.close();
    const bytes = Buffer.concat([readFileSync(file), readFileSync(`${file}-wal`, { flag: 'a+' })]);
    for (const secret of secrets) {
      expect(bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
      expect(bytes.includes(Buffer.from(Buffer.from(secret).toString('base64'), 'utf8'))).toBe(
        false,
      );
    }
    expect(bytes.includes(Buffer.from('pv1.old.', 'utf8'))).toBe(true);
  });
});
