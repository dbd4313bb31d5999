import { timeOrderedUuid } from '../../src/lib/time-ordered-id';
import { millisOfUuidV7 as millisOf, UUID_V7 } from '../support/uuid-v7';

describe('timeOrderedUuid', () => {
  it('when an id is made then it is a version 7 UUID whose first 48 bits are the time in milliseconds', () => {
    for (const now of [0, 1, 1_800_000_000_123, 2 ** 48 - 1]) {
      const id = timeOrderedUuid(now);
      expect(id).toMatch(UUID_V7);
      expect(millisOf(id)).toBe(now);
    }
    expect(millisOf(timeOrderedUuid(1_800_000_000_123.9))).toBe(1_800_000_000_123);
    const before = Date.now();
    const id = timeOrderedUuid();
    expect(millisOf(id)).toBeGreaterThanOrEqual(before);
    expect(millisOf(id)).toBeLessThanOrEqual(Date.now());
  });

  it('when ids are made in later milliseconds then they sort after the earlier ones', () => {
    const ids = Array.from({ length: 1_000 }, (_, i) => timeOrderedUuid(1_800_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
  });

  it('when many ids are made in one millisecond then none repeats and their random bits vary', () => {
    // More than one pool of random bytes (256 ids), so a refill is crossed many times.
    const ids = Array.from({ length: 20_000 }, () => timeOrderedUuid(1_800_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !UUID_V7.test(id))).toEqual([]);
    // Every hex digit of the random part takes many values (no byte left zero or fixed)...
    const randomHex = ids.map((id) => id.replace(/-/g, '').slice(12));
    for (let position = 1; position < 20; position++) {
      if (position === 4) continue; // the variant: 8, 9, a or b
      expect(new Set(randomHex.map((hex) => hex[position])).size).toBe(16);
    }
    // ...and no random byte copies another (each pair is equal in ~1 id of 256).
    const bytesOf = (hex: string) => Buffer.from(hex, 'hex');
    const randomBytes = randomHex.map(bytesOf);
    for (let a = 1; a < 10; a++) {
      for (let b = a + 1; b < 10; b++) {
        const same = randomBytes.filter((bytes) => bytes[a] === bytes[b]).length;
        expect({ a, b, share: same / ids.length < 0.02 }).toEqual({ a, b, share: true });
      }
    }
  });
});
