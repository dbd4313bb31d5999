import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * Every path that can carry a secret, at the depths where they occur in our log objects
 * (request headers, bound objects, error causes). A test proves each one is censored.
 */
const SECRET_KEYS = [
  'authorization',
  'password',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'codeVerifier',
  'code_verifier',
  'privateKey',
  'apiToken',
];

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-relay-signature"]',
  'req.headers["x-relay-registration"]',
  'res.headers["set-cookie"]',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'pharos-relay' },
      redact: { paths: redactPaths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
