import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TestRelay } from './relay';
import { ORG_ID, USER_ID, signedFetch } from './relay';

export interface Exchange {
  method: string;
  path: string;
  requestBody: unknown;
  status: number;
  contentType: string;
  responseBody: unknown;
}

/** Signed JSON calls to the relay as one tenant admin; every response text is kept. */
export class AdminClient {
  /** Every response body the relay sent, for "no secret ever returned" assertions. */
  readonly responses: string[] = [];
  /** Every call and its answer, for checking them against relay-service/openapi.yaml. */
  readonly exchanges: Exchange[] = [];

  constructor(
    /** A relay, or anything that forwards to one (a balancer). */
    private readonly relay: { url: string },
    private readonly secret: string,
    private readonly userId = USER_ID,
    /** The relay's clock: requests are signed with its time, so tests may move it. */
    private readonly clock: { now(): number } = { now: () => Date.now() },
  ) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const response = await signedFetch(this.relay.url, {
      method,
      path,
      body: body === undefined ? undefined : JSON.stringify(body),
      orgId: ORG_ID,
      userId: this.userId,
      secret: this.secret,
      timestamp: String(Math.floor(this.clock.now() / 1000)),
      headers,
    });
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    this.responses.push(text);
    this.exchanges.push({
      method,
      path,
      requestBody: body,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      responseBody: parsed,
    });
    return { status: response.status, body: parsed ?? {}, headers: response.headers };
  }
}

/** Every byte of the SQLite store (database, WAL and shared-memory files). */
export function sqliteBytes(relay: TestRelay): string {
  if (relay.config.store.engine !== 'sqlite') return '';
  const dir = path.dirname(relay.config.store.path);
  return readdirSync(dir)
    .map((file) => readFileSync(path.join(dir, file)).toString('latin1'))
    .join('\n');
}

/** Asserts none of the secrets occurs in the relay's answers, its log or its SQLite files. */
export function expectNoSecretLeaks(
  relay: TestRelay,
  client: AdminClient,
  secrets: string[],
): void {
  const places = {
    responses: client.responses.join('\n'),
    log: relay.logs.text,
    database: sqliteBytes(relay),
  };
  for (const secret of secrets) {
    for (const [where, text] of Object.entries(places)) {
      if (text.includes(secret))
        throw new Error(`secret ${secret.slice(0, 6)}… found in the ${where}`);
      const encoded = Buffer.from(secret).toString('base64');
      if (text.includes(encoded)) throw new Error(`base64 of a secret found in the ${where}`);
    }
  }
}

/**
 * Sets the site a connection's issue links are built on. The Jira doubles speak plain http on
 * loopback, while a real Jira site is https and the relay hands out https issue URLs only.
 */
export async function setConnectionSite(
  relay: TestRelay,
  name: string,
  siteUrl: string,
): Promise<void> {
  await relay.services.store.db
    .updateTable('connections')
    .set({ site_url: siteUrl })
    .where('org_id', '=', ORG_ID)
    .where('name', '=', name)
    .execute();
  await relay.services.jira.forget(ORG_ID, name);
}

/** The https sites the test worlds' connections browse (their API stays on the doubles). */
export const HTTPS_SITE = {
  cloud: 'https://acme.atlassian.net',
  server: 'https://jira.acme.example',
} as const;
