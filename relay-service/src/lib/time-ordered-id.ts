import { randomFillSync } from 'node:crypto';

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits.
 *
 * The relay's request id is the audit outbox's key. A random (version 4) key puts each new row
 * on a random page of the key's index, so a batch of 40 rows rewrites ~40 index pages; ids that
 * grow with time append to the last page. Measured on SQLite (60,000 outbox rows in batches of
 * 40): 48–57 µs a row with version 4 ids, 14–19 µs with version 7. They stay unguessable (74
 * random bits; a version 4 id has 122), and they sort in the order they were made.
 */

const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
/** Random bytes fetched 256 ids at a time: one system call instead of one per id. */
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;

export function timeOrderedUuid(now: number = Date.now()): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const b = pool.subarray(next * 16, next * 16 + 16);
  next += 1;
  // Bytes 0-5: the time, big-endian (a whole number of milliseconds below 2^48).
  b.writeUIntBE(Math.floor(now), 0, 6);
  b[6] = ((b[6] as number) & 0x0f) | 0x70; // version 7
  b[8] = ((b[8] as number) & 0x3f) | 0x80; // RFC 9562 variant
  let id = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) id += '-';
    id += HEX[b[i] as number] as string;
  }
  return id;
}
