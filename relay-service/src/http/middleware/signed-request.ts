import express, { type RequestHandler } from 'express';
import { AppError } from '../../lib/errors';
import type { Clock } from '../../lib/clock';
import { actingUserSchema, orgIdSchema } from '../../lib/salesforce-ids';
import type { TenantRateLimit } from '../../tenants/rate-limiter';
import type { ReplayGuard } from '../../tenants/replay-guard';
import { parseJsonBody } from '../json-body';
import { announcesBody } from './request-body';
import {
  NONCE_PATTERN,
  SIGNATURE_PREFIX,
  SIGNATURE_WINDOW_SECONDS,
  signatureMatches,
  type SignedParts,
} from '../../tenants/signing';
import type { TenantCredentials } from '../../tenants/tenant-service';

export interface SignedRequestDeps {
  credentials(orgId: string): Promise<TenantCredentials | undefined>;
  replayGuard: ReplayGuard;
  rateLimiter: TenantRateLimit;
  clock: Clock;
  bodyLimitBytes: number;
}

const REQUIRED_HEADERS = [
  'x-relay-org',
  'x-relay-user',
  'x-relay-timestamp',
  'x-relay-nonce',
  'x-relay-signature',
] as const;

function invalid(detail: string): AppError {
  return new AppError('SIGNATURE_INVALID', detail);
}

/**
 * Reads the raw body (the signature covers its exact bytes), verifies the contract's HMAC
 * signature, refuses replays and over-eager tenants, then parses JSON. Nothing behind it runs
 * for a request that fails here.
 */
export function signedRequest(deps: SignedRequestDeps): RequestHandler[] {
  // Never inflate: the signature covers the bytes as sent (requestBodyGuard refuses codings).
  const parseRaw = express.raw({ type: () => true, limit: deps.bodyLimitBytes, inflate: false });
  // Most signed calls are GETs without a body: skip the body parser's stream setup for them.
  const readRawBody: RequestHandler = (req, res, next) => {
    if (!announcesBody(req)) {
      req.body = Buffer.alloc(0);
      next();
      return;
    }
    parseRaw(req, res, next);
  };

  const verify: RequestHandler = async (req, _res, next) => {
    for (const name of REQUIRED_HEADERS) {
      if (!req.get(name)) throw invalid(`Header ${name} is missing.`);
    }
    const orgId = req.get('x-relay-org') as string;
    const userId = req.get('x-relay-user') as string;
    const timestamp = req.get('x-relay-timestamp') as string;
    const nonce = req.get('x-relay-nonce') as string;
    const signature = req.get('x-relay-signature') as string;

    if (!orgIdSchema.safeParse(orgId).success)
      throw invalid('Header x-relay-org is not an 18-character org id.');
    if (!actingUserSchema.safeParse(userId).success)
      throw invalid('Header x-relay-user is not an 18-character user id or "-".');
    if (!/^\d{1,12}$/.test(timestamp))
      throw invalid('Header x-relay-timestamp is not Unix time in seconds.');
    if (!NONCE_PATTERN.test(nonce))
      throw invalid('Header x-relay-nonce must be 16–64 characters of A-Z a-z 0-9 _ -.');
    if (!signature.startsWith(SIGNATURE_PREFIX))
      throw invalid('Header x-relay-signature must start with v1=.');

    const skewSeconds = Math.abs(Math.floor(deps.clock.now() / 1000) - Number(timestamp));
    if (skewSeconds > SIGNATURE_WINDOW_SECONDS) {
      throw invalid(
        `The request timestamp is ${skewSeconds} s away from the relay's clock (at most ${SIGNATURE_WINDOW_SECONDS} s allowed). Check the org's clock and sign each request when it is sent.`,
      );
    }

    const tenant = await deps.credentials(orgId);
    if (!tenant)
      throw new AppError('TENANT_UNKNOWN', `Org ${orgId} is not registered with this relay.`);

    const parts: SignedParts = {
      timestamp,
      nonce,
      method: req.method,
      // originalUrl is the request target exactly as received, never re-encoded.
      target: req.originalUrl,
      orgId,
      userId,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    };
    if (!tenant.secrets.some((secret) => signatureMatches(secret, parts, signature))) {
      throw invalid(
        'The request signature does not match. Check the tenant secret and the canonical string.',
      );
    }
    // Only a caller holding the secret learns that the tenant exists but is disabled.
    if (tenant.status !== 'active')
      throw new AppError('TENANT_DISABLED', `Org ${orgId} is disabled on this relay.`);

    const wait = await deps.rateLimiter.take(orgId);
    if (wait > 0) {
      throw new AppError(
        'RATE_LIMITED',
        `Too many requests for org ${orgId}; retry in ${wait} s.`,
        { retryAfter: wait },
      );
    }
    if (!(await deps.replayGuard.claim(orgId, nonce))) {
      throw new AppError(
        'REPLAYED',
        'This nonce was already used. Every request needs a fresh nonce.',
      );
    }

    req.caller = { orgId, userId };
    next();
  };

  const parseJson: RequestHandler = (req, _res, next) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (raw.length === 0) {
      req.body = undefined;
      next();
      return;
    }
    if (!req.is('application/json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be application/json.');
    }
    req.body = parseJsonBody(raw);
    next();
  };

  return [readRawBody, verify, parseJson];
}
