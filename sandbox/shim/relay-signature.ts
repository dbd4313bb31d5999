import { createHash, createHmac } from 'node:crypto';

/**
 * Request signing of the relay contract (v1), written after RelaySignature.cls rather than
 * borrowed from the relay, so the sandbox signs as the package does and a drift in either
 * shows up as a refused request.
 */
export interface SignatureParts {
  timestamp: string;
  nonce: string;
  method: string;
  pathAndQuery: string;
  orgId: string;
  userId: string;
  body: string | null;
}

export function bodyHash(body: string | null): string {
  return createHash('sha256')
    .update(body ?? '', 'utf8')
    .digest('hex');
}

export function canonicalString(parts: SignatureParts): string {
  return [
    'PHAROS-RELAY-HMAC-SHA256',
    parts.timestamp,
    parts.nonce,
    parts.method.toUpperCase(),
    parts.pathAndQuery,
    parts.orgId,
    parts.userId,
    bodyHash(parts.body),
  ].join('\n');
}

export function sign(secretBase64: string, parts: SignatureParts): string {
  const mac = createHmac('sha256', Buffer.from(secretBase64, 'base64'))
    .update(canonicalString(parts), 'utf8')
    .digest('base64');
  return `v1=${mac}`;
}
