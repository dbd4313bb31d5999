import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Router } from 'express';
import { createApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config/config';
import { systemClock, type Clock } from '../../src/lib/clock';
import { createLogger } from '../../src/lib/logger';
import { listen, type ServerHandle } from '../../src/server';
import { createServices, type ServiceOptions, type Services } from '../../src/services';
import { signedHeaders } from '../../src/tenants/signing';
import { databaseUrlOf, freshStoreLocation, type TestEngine } from './stores';

export const TEST_KEY = `test1:${Buffer.alloc(32, 7).toString('base64')}`;
/** The bearer token test relays require on /metrics. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789abcdef0123456789';

/** Collects every log line the relay writes, for assertions about what is (not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  get text(): string {
    return this.lines.join('\n');
  }
}

export interface TestRelay {
  url: string;
  config: Config;
  services: Services;
  logs: LogCapture;
  handle: ServerHandle;
  stop(): Promise<void>;
}

export interface TestRelayOptions {
  engine?: TestEngine;
  /** An existing store to share (another instance's); a fresh one of `engine` otherwise. */
  databaseUrl?: string;
  env?: Record<string, string>;
  clock?: Clock;
  extraRoutes?: Router;
  /** Test seams for createServices (host resolver, Jira transport settings, retry sleep). */
  serviceOptions?: ServiceOptions;
  /** Wraps services before the app is built (e.g. to slow the store down). */
  decorate?: (services: Services) => Services;
}

/**
 * The environment every test relay starts from, in-process or as its own process: loopback on
 * a random port, the test key and metrics token, info logs (tests assert on them).
 */
export function testRelayEnv(databaseUrl: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    RELAY_ENCRYPTION_KEYS: TEST_KEY,
    RELAY_METRICS_TOKEN: TEST_METRICS_TOKEN,
    LOG_LEVEL: 'info',
  };
}

/** Runs the real relay in-process on a random loopback port with a fresh store. */
export async function startTestRelay(options: TestRelayOptions = {}): Promise<TestRelay> {
  const databaseUrl =
    options.databaseUrl ?? databaseUrlOf(await freshStoreLocation(options.engine ?? 'sqlite'));
  const config = loadConfig({ ...testRelayEnv(databaseUrl), ...options.env });
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  let services = await createServices(
    config,
    logger,
    options.clock ?? systemClock,
    options.serviceOptions,
  );
  if (options.decorate) services = options.decorate(services);
  const handle = await listen(createApp(services, { extraRoutes: options.extraRoutes }), {
    port: 0,
    host: '127.0.0.1',
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs,
    logger,
    onClosed: async () => {
      await services.connectionActivity.settled();
      await services.store.close();
    },
  });
  return { url: handle.url, config, services, logs, handle, stop: () => handle.stop() };
}

/** The relay's Prometheus text, fetched with the test metrics token. */
export async function metricsOf(relay: { url: string }): Promise<string> {
  const response = await fetch(`${relay.url}/metrics`, {
    headers: { Authorization: `Bearer ${TEST_METRICS_TOKEN}` },
  });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

export const randomNonce = () => randomBytes(12).toString('base64url');

export interface SignedCall {
  method: string;
  path: string;
  body?: string | Buffer;
  orgId: string;
  userId?: string;
  secret: string;
  timestamp?: string;
  nonce?: string;
  headers?: Record<string, string>;
  /** Changes applied to the signed headers after signing (to build tampered variants). */
  tamper?: (headers: Record<string, string>) => void;
}

/** Sends a request signed exactly as the contract says, over a real socket. */
export async function signedFetch(baseUrl: string, call: SignedCall): Promise<Response> {
  const body = call.body ?? '';
  const headers = signedHeaders(
    call.secret,
    {
      method: call.method,
      target: call.path,
      orgId: call.orgId,
      userId: call.userId ?? '0055g00000AbCdEFGH',
      body,
      timestamp: call.timestamp,
      nonce: call.nonce,
    },
    randomNonce,
  );
  call.tamper?.(headers);
  return fetch(`${baseUrl}${call.path}`, {
    method: call.method,
    headers: {
      ...(body.length ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
      ...call.headers,
    },
    body: body.length ? body : undefined,
  });
}

export const ORG_ID = '00D5g000004ABCDEAY';
export const USER_ID = '0055g00000AbCdEFGH';
