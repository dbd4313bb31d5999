import fc from 'fast-check';
import {
  bodyHash,
  canonicalString,
  sign,
  signatureMatches,
  type SignedParts,
} from '../../src/tenants/signing';

/**
 * Properties of the contract's canonical form and signature (the contract's test vector is
 * checked in test/tenants/signing.test.ts): every signed part is bound, in its place.
 */

const secret = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => Buffer.from(b).toString('base64'));
/** One line of printable text, as HTTP delivers the method, target and ids. */
const line = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\r\n]/.test(s));
const parts: fc.Arbitrary<SignedParts> = fc.record({
  timestamp: fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }).map(String),
  nonce: fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
  target: line.map((s) => `/v1/${s}`),
  orgId: line,
  userId: line,
  body: fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b)),
  ),
});
const FIELDS = ['timestamp', 'nonce', 'method', 'target', 'orgId', 'userId', 'body'] as const;

describe('request signing properties', () => {
  it('when parts are signed then the signature verifies, and the canonical form has the eight lines in order', () => {
    fc.assert(
      fc.property(secret, parts, (key, p) => {
        expect(signatureMatches(key, p, sign(key, p))).toBe(true);
        expect(canonicalString(p).split('\n')).toEqual([
          'PHAROS-RELAY-HMAC-SHA256',
          p.timestamp,
          p.nonce,
          p.method.toUpperCase(),
          p.target,
          p.orgId,
          p.userId,
          bodyHash(p.body),
        ]);
      }),
    );
  });

  it('when any one signed part changes then the canonical form and the signature change', () => {
    fc.assert(
      fc.property(secret, parts, parts, fc.constantFrom(...FIELDS), (key, p, other, field) => {
        const changed: SignedParts = { ...p, [field]: other[field] };
        const same =
          field === 'body'
            ? bodyHash(p.body) === bodyHash(other.body)
            : field === 'method'
              ? p.method.toUpperCase() === other.method.toUpperCase()
              : p[field] === other[field];
        fc.pre(!same);
        expect(canonicalString(changed)).not.toBe(canonicalString(p));
        expect(signatureMatches(key, changed, sign(key, p))).toBe(false);
      }),
    );
  });

  it('when a signature is altered in one character, cut or extended then it no longer verifies', () => {
    fc.assert(
      fc.property(
        secret,
        parts,
        fc.nat(),
        fc.constantFrom('flip', 'cut', 'extend'),
        (key, p, at, how) => {
          const good = sign(key, p);
          const i = at % good.length;
          const bad =
            how === 'cut'
              ? good.slice(0, i)
              : how === 'extend'
                ? `${good}A`
                : `${good.slice(0, i)}${good[i] === 'A' ? 'B' : 'A'}${good.slice(i + 1)}`;
          expect(signatureMatches(key, p, bad)).toBe(false);
        },
      ),
    );
  });

  it('when another secret signs then the signature does not verify', () => {
    fc.assert(
      fc.property(secret, secret, parts, (key, otherKey, p) => {
        fc.pre(key !== otherKey);
        expect(signatureMatches(key, p, sign(otherKey, p))).toBe(false);
      }),
    );
  });

  it('when the body is given as text or as its UTF-8 bytes then it hashes the same', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        expect(bodyHash(Buffer.from(text, 'utf8'))).toBe(bodyHash(text));
      }),
    );
  });
});
