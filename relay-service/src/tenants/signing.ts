import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The contract's request-signing scheme (relay-contract.md, "Request signing"). */
export const SIGNATURE_PREFIX = 'v1=';
export const SIGNATURE_WINDOW_SECONDS = 300;
export const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

export interface SignedParts {
  timestamp: string;
  nonce: string;
  method: string;
  /** Path and raw query exactly as sent, starting with /v1/. */
  target: string;
  orgId: string;
  userId: string;
  body: Buffer | string;
}

const EMPTY_BODY_HASH = createHash('sha256').update('').digest('hex');

export function bodyHash(body: Buffer | string): string {
  return body.length === 0 ? EMPTY_BODY_HASH : createHash('sha256').update(body).digest('hex');
}

export function canonicalString(parts: SignedParts): string {
  return [
    'PHAROS-RELAY-HMAC-SHA256',
    parts.timestamp,
    parts.nonce,
    parts.method.toUpperCase(),
    parts.target,
    parts.orgId,
    parts.userId,
    bodyHash(parts.body),
  ].join('\n');
}

export function sign(secretBase64: string, parts: SignedParts): string {
  const mac = createHmac('sha256', Buffer.from(secretBase64, 'base64')).update(
    canonicalString(parts),
    'utf8',
  );
  return SIGNATURE_PREFIX + mac.digest('base64');
}

/** Constant-time comparison of a presented signature with the one computed for a secret. */
export function signatureMatches(
  secretBase64: string,
  parts: SignedParts,
  presented: string,
): boolean {
  const expected = Buffer.from(sign(secretBase64, parts), 'utf8');
  const actual = Buffer.from(presented, 'utf8');
  // Equal lengths first: timingSafeEqual throws otherwise, and the length of a well-formed
  // signature is public anyway.
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Headers for a signed request, used by the CLI, tests and benchmarks. */
export function signedHeaders(
  secretBase64: string,
  parts: Omit<SignedParts, 'timestamp' | 'nonce'> & { timestamp?: string; nonce?: string },
  randomNonce: () => string,
): Record<string, string> {
  const full: SignedParts = {
    ...parts,
    timestamp: parts.timestamp ?? String(Math.floor(Date.now() / 1000)),
    nonce: parts.nonce ?? randomNonce(),
  };
  return {
    'X-Relay-Org': full.orgId,
    'X-Relay-User': full.userId,
    'X-Relay-Timestamp': full.timestamp,
    'X-Relay-Nonce': full.nonce,
    'X-Relay-Signature': sign(secretBase64, full),
  };
}
