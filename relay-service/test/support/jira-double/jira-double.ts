import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataCenterOAuthProvider } from './dc-oauth-provider';
import { Faults, type FaultKind } from './faults';
import { JiraModel, type Deployment, type JiraUser } from './model';
import { OAuthServer, type OAuthSite } from './oauth-server';
import { openApiValidator, type OpenApiValidator } from './openapi-validator';
import {
  DoubleRouter,
  jiraErrors,
  type DoubleReply,
  type DoubleRequest,
  type Principal,
} from './router';
import { issueRoutes } from './routes/issues';
import { metadataRoutes } from './routes/metadata';
import { oauthRoutes } from './routes/oauth';
import { platformRoutes } from './routes/platform';
import { issueCreateRoutes } from './routes/issue-create';
import { searchRoutes } from './routes/search';
import { dataCenterOAuthRoutes } from './routes/dc-oauth';
import {
  attachmentRoutes,
  DEFAULT_ATTACHMENT_LIMIT,
  type ReceivedAttachment,
} from './routes/attachments';

export interface JiraDoubleOptions {
  deployment: Deployment;
  /** The clock token expiry is judged by (share the relay's fake clock). */
  now?: () => number;
  /** Check every Jira REST request and response against Atlassian's OpenAPI document. */
  validate?: boolean;
}

/** Route modules: each adds its routes to the router. Issue #4 adds more here. */
const ROUTE_MODULES = [
  platformRoutes,
  issueRoutes,
  metadataRoutes,
  searchRoutes,
  oauthRoutes,
  issueCreateRoutes,
  dataCenterOAuthRoutes,
  attachmentRoutes,
];

/** Waits, but no longer than the client stays connected (so a test's hung call ends with it). */
function sleepUnlessClosed(ms: number, res: http.ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once('close', done);
  });
}

/**
 * A real HTTP Jira on 127.0.0.1: Cloud (`/rest/api/3`, ADF, API tokens, and OAuth through
 * `/ex/jira/{cloudId}`) or Server/DC (`/rest/api/2`, wiki, PAT and basic). Counts calls per
 * route, injects faults, and records every OpenAPI violation.
 */
export class JiraDouble {
  readonly model: JiraModel;
  readonly oauth: OAuthServer | undefined;
  /** Server/DC only: Jira's own OAuth 2.0 provider (incoming application links). */
  readonly dcOAuth: DataCenterOAuthProvider | undefined;
  readonly faults = new Faults();
  readonly router = new DoubleRouter();
  /** Problems found by OpenAPI validation or unrouted requests; a test asserts none. */
  readonly violations: string[] = [];
  /** Calls per route key, e.g. `GET /rest/api/3/myself`, `POST /oauth/token`. */
  readonly calls = new Map<string, number>();
  /** Every request in order (method, route key, whether it came through the OAuth gateway). */
  readonly log: {
    key: string;
    method: string;
    path: string;
    /** The query string as sent, with its leading "?" (empty when none). */
    search: string;
    cloudId?: string;
    body?: unknown;
    /** The Jira account the request was authenticated as (its name), for REST routes. */
    actor?: string;
  }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Files received on the attachment route: name, size and sha256 of the bytes. */
  readonly attachments: ReceivedAttachment[] = [];
  /** File bytes received on the attachment route so far, counted as they arrive. */
  uploadedBytes = 0;
  /** Uploads whose body broke off before its end (nothing was attached). */
  abortedUploads = 0;
  /** Larger uploads are refused with 413, as Jira's attachment size setting does. */
  attachmentLimitBytes = DEFAULT_ATTACHMENT_LIMIT;
  url = '';

  private readonly server: http.Server;
  private readonly validator: OpenApiValidator | undefined;

  constructor(private readonly options: JiraDoubleOptions) {
    const now = options.now ?? Date.now;
    this.model = new JiraModel(options.deployment, '', now);
    this.oauth =
      options.deployment === 'cloud'
        ? new OAuthServer(now, () => this.model.users[0] as JiraUser)
        : undefined;
    this.dcOAuth =
      options.deployment === 'server'
        ? new DataCenterOAuthProvider(now, () => this.model.users[0] as JiraUser)
        : undefined;
    this.validator = options.validate === false ? undefined : openApiValidator(options.deployment);
    for (const register of ROUTE_MODULES) register(this.router, this);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        this.violations.push(`double crashed on ${req.method} ${req.url}: ${String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  }

  /** Calls to one route key so far. */
  callsTo(key: string): number {
    return this.calls.get(key) ?? 0;
  }

  /** Bodies the double received on one route key, in order. */
  bodiesOf(key: string): unknown[] {
    return this.log.filter((entry) => entry.key === key).map((entry) => entry.body);
  }

  /** All calls to Jira REST routes (not OAuth endpoints). */
  get jiraCalls(): number {
    return this.log.filter((entry) => entry.path.startsWith('/rest/')).length;
  }

  resetCounters(): void {
    this.calls.clear();
    this.log.length = 0;
    this.maxInFlight = 0;
  }

  /** Adds a site the OAuth grant reaches; requests under /ex/jira/{id} serve this model. */
  addSite(site: Omit<OAuthSite, 'scopes'> & { scopes?: string[] }): OAuthSite {
    const full = { scopes: [], ...site };
    this.oauth?.sites.push(full);
    return full;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.model.siteUrl = this.url;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://double');
    const method = req.method ?? 'GET';
    let path = url.pathname;
    let cloudId: string | undefined;
    const gateway = /^\/ex\/jira\/([^/]+)(\/.*)$/.exec(path);
    if (gateway && this.oauth) {
      cloudId = decodeURIComponent(gateway[1] ?? '');
      path = gateway[2] ?? '/';
    }
    const matched = this.router.match(method, path);
    const streamed = matched?.route.streamsBody === true;
    const rawBody = streamed ? '' : await readBody(req);
    if (!matched) {
      this.violations.push(`unrouted request: ${method} ${url.pathname}`);
      return send(res, { status: 404, body: { errorMessages: [`null for uri: ${url.pathname}`] } });
    }
    const { route, params } = matched;
    const key = `${method} ${route.pattern}`;
    this.calls.set(key, this.callsTo(key) + 1);
    const entry: (typeof this.log)[number] = { key, method, path, search: url.search, cloudId };
    this.log.push(entry);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      let body: unknown;
      let form: Record<string, string> | undefined;
      if (/^application\/x-www-form-urlencoded\b/i.test(req.headers['content-type'] ?? '')) {
        // Browser forms and OAuth token requests; Jira's REST routes take JSON only.
        form = Object.fromEntries(new URLSearchParams(rawBody));
        if (route.kind === 'jira') this.violations.push(`${key}: request body is a form`);
      } else if (rawBody) {
        try {
          body = JSON.parse(rawBody) as unknown;
        } catch {
          if (route.kind === 'jira') this.violations.push(`${key}: request body is not JSON`);
          return send(res, {
            status: 400,
            body: { errorMessages: ['Unexpected character in body'] },
          });
        }
        // Kept so tests can compare what the relay sent (e.g. preview against create).
        entry.body = body;
      }
      if (route.kind === 'jira' && this.validator) {
        const violations = this.validator.validateRequest(method, path, url.searchParams, body);
        this.violations.push(...violations);
        // Like Jira, a request off its API is refused, so a test that never looks at
        // `violations` still fails when the relay sends one.
        if (violations.length) return send(res, jiraErrors(400, violations));
      }
      const fault = this.faults.take(key, route.kind === 'jira');
      if (fault?.kind === 'delay') await sleepUnlessClosed(fault.ms, res);
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'rawError') {
        res.writeHead(fault.status, { 'content-type': fault.contentType }).end(fault.text);
        return;
      }
      const faulted = fault ? faultReply(fault, req.headers.authorization) : undefined;
      if (faulted) return send(res, faulted);

      const request: DoubleRequest = {
        method,
        path,
        params,
        query: url.searchParams,
        body,
        form,
        rawBody,
        headers: req.headers,
        principal: undefined,
        cloudId,
        ...(streamed ? { stream: req } : {}),
      };
      if (route.kind === 'jira') {
        const refused = this.authenticate(request);
        if (refused) return send(res, refused);
        entry.actor = request.principal?.user.name;
      }
      const reply = await route.handler(request, this);
      if (fault?.kind === 'resetMidBody') {
        const payload = JSON.stringify(reply.body ?? {});
        res.writeHead(reply.status, {
          'content-type': 'application/json;charset=UTF-8',
          'content-length': String(Buffer.byteLength(payload)),
        });
        res.write(payload.slice(0, Math.floor(payload.length / 2)));
        // Once the first half has left, as a dying proxy does.
        await new Promise((resolve) => setTimeout(resolve, 20));
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'afterHandling') {
        if (fault.delayMs !== undefined) await sleepUnlessClosed(fault.delayMs, res);
        if (fault.status !== undefined)
          return send(res, {
            status: fault.status,
            body: { errorMessages: [`Injected ${fault.status} after handling`], errors: {} },
          });
      }
      if (route.kind === 'jira' && this.validator) {
        this.violations.push(
          ...this.validator.validateResponse(method, path, reply.status, reply.body),
        );
      }
      send(res, reply);
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Sets the request's principal, or answers the 401 real Jira would. */
  private authenticate(request: DoubleRequest): DoubleReply | undefined {
    const authorization = request.headers.authorization;
    if (request.cloudId !== undefined) {
      // Through api.atlassian.com: only OAuth bearer tokens, only for a site of the grant.
      if (!this.oauth?.sites.some((s) => s.id === request.cloudId)) {
        return { status: 404, body: { errorMessages: ['Site not found'] } };
      }
      const family = this.oauth.familyOf(authorization);
      if (!family || family === 'expired')
        return { status: 401, body: { code: 401, message: 'Unauthorized' } };
      request.principal = { method: 'oauth', user: family.user, scopes: family.scopes };
      return undefined;
    }
    const principal = this.siteLogin(authorization);
    if (!principal) {
      return {
        status: 401,
        body: {
          errorMessages: [
            'You are not authenticated. Authentication required to perform this operation.',
          ],
          errors: {},
        },
        headers: { 'www-authenticate': 'Basic realm="protected-area"' },
      };
    }
    if (
      principal.method === 'oauth' &&
      this.dcOAuth &&
      !this.dcOAuth.permits(principal.scopes ?? [], request.method, request.path)
    ) {
      return {
        status: 403,
        body: {
          errorMessages: [
            `The OAuth 2.0 access token's scope (${(principal.scopes ?? []).join(', ')}) does not allow this request.`,
          ],
          errors: {},
        },
      };
    }
    request.principal = principal;
    return undefined;
  }

  private siteLogin(authorization: string | undefined): Principal | undefined {
    const { users, deployment } = this.model;
    const bearer = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (bearer) {
      if (deployment !== 'server') return undefined;
      const user = users.find((u) => u.pat === bearer);
      if (user) return { method: 'pat', user };
      const granted = this.dcOAuth?.principalFor(bearer);
      return granted && granted !== 'expired'
        ? { method: 'oauth', user: granted.user, scopes: granted.scopes }
        : undefined;
    }
    const basic = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
    if (!basic) return undefined;
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const [login, secret] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
    if (deployment === 'cloud') {
      const user = users.find((u) => u.emailAddress === login && u.apiToken === secret);
      return user && { method: 'api_token', user };
    }
    const user = users.find((u) => u.name === login && u.password === secret);
    return user && { method: 'basic', user };
  }
}

function faultReply(fault: FaultKind, authorization: string | undefined): DoubleReply | undefined {
  switch (fault.kind) {
    case 'status':
      return {
        status: fault.status,
        body: fault.body ?? { errorMessages: [`Injected ${fault.status}`], errors: {} },
        headers: fault.headers,
      };
    case 'rateLimit': {
      const retryAfter = fault.retryAfterSeconds ?? 1;
      return {
        status: 429,
        body: { errorMessages: ['Rate limit exceeded.'], errors: {} },
        headers: {
          'retry-after': String(retryAfter),
          'x-ratelimit-limit': '100',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': new Date(Date.now() + retryAfter * 1000).toISOString(),
          'ratelimit-reason': fault.reason ?? 'jira-quota-tenant-based',
        },
      };
    }
    case 'expiredToken':
      return /^Bearer /.test(authorization ?? '')
        ? { status: 401, body: { code: 401, message: 'Unauthorized' } }
        : undefined;
    case 'scopeMismatch':
      return { status: 401, body: { code: 401, message: 'Unauthorized; scope does not match' } };
    case 'redirect':
      return { status: fault.status ?? 302, headers: { location: fault.location } };
    default:
      return undefined;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, reply: DoubleReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.html !== undefined) {
    payload = reply.html;
    headers['content-type'] ??= 'text/html;charset=UTF-8';
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] ??= 'application/json;charset=UTF-8';
  }
  res.writeHead(reply.status, headers).end(payload);
}

/** Starts a double on a random loopback port. */
export async function startJiraDouble(options: JiraDoubleOptions): Promise<JiraDouble> {
  const double = new JiraDouble(options);
  await double.listen();
  return double;
}
