import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { JiraDouble } from './jira-double';
import type { JiraUser } from './model';

/** Who a request authenticated as. */
export interface Principal {
  method: 'api_token' | 'pat' | 'basic' | 'oauth';
  user: JiraUser;
  /** OAuth scopes of the access token. */
  scopes?: string[];
}

export interface DoubleRequest {
  method: string;
  /** Path below the site (for OAuth: below /ex/jira/{cloudId}). */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** The fields of an `application/x-www-form-urlencoded` body (then `body` is undefined). */
  form?: Record<string, string>;
  rawBody: string;
  headers: IncomingHttpHeaders;
  principal: Principal | undefined;
  /** Set when the request came through the OAuth gateway path. */
  cloudId: string | undefined;
  /** The unread body, on routes that stream it (`streamsBody`); `rawBody` is then empty. */
  stream?: IncomingMessage;
}

/** Text made safe inside an `html` reply's markup and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface DoubleReply {
  status: number;
  body?: unknown;
  /** An HTML page instead of a JSON body (consent and error pages). */
  html?: string;
  headers?: Record<string, string>;
}

export type Handler = (
  request: DoubleRequest,
  double: JiraDouble,
) => DoubleReply | Promise<DoubleReply>;

export interface RouteOptions {
  /**
   * 'jira': a Jira REST route — authenticated, counted, checked against the OpenAPI document.
   * 'public': no Jira authentication (OAuth endpoints authenticate on their own).
   */
  kind: 'jira' | 'public';
  /** The handler reads the body itself, as it arrives (file uploads). */
  streamsBody?: boolean;
}

export interface Route extends RouteOptions {
  method: string;
  /** e.g. `/rest/api/3/issue/{issueIdOrKey}/comment` — also the call-counter key. */
  pattern: string;
  regex: RegExp;
  names: string[];
  handler: Handler;
}

/** Tiny method + path-template router; route modules add to it. */
export class DoubleRouter {
  readonly routes: Route[] = [];

  add(
    method: string,
    pattern: string,
    handler: Handler,
    options: RouteOptions = { kind: 'jira' },
  ): void {
    const names: string[] = [];
    const source = pattern
      .split(/(\{[^}]+\})/)
      .map((part) => {
        if (part.startsWith('{')) {
          names.push(part.slice(1, -1));
          return '([^/]+)';
        }
        return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      })
      .join('');
    this.routes.push({
      method,
      pattern,
      regex: new RegExp(`^${source}$`),
      names,
      handler,
      ...options,
    });
    // Literal paths win over parameters (/issue/picker before /issue/{issueIdOrKey}).
    this.routes.sort((a, b) => a.names.length - b.names.length);
  }

  get(pattern: string, handler: Handler, options?: RouteOptions): void {
    this.add('GET', pattern, handler, options);
  }
  post(pattern: string, handler: Handler, options?: RouteOptions): void {
    this.add('POST', pattern, handler, options);
  }
  put(pattern: string, handler: Handler, options?: RouteOptions): void {
    this.add('PUT', pattern, handler, options);
  }
  delete(pattern: string, handler: Handler, options?: RouteOptions): void {
    this.add('DELETE', pattern, handler, options);
  }

  match(
    method: string,
    path: string,
  ): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => (params[name] = decodeURIComponent(m[i + 1] ?? '')));
      return { route, params };
    }
    return undefined;
  }
}

/** Jira's error body. */
export function jiraErrors(
  status: number,
  errorMessages: string[],
  errors: Record<string, string> = {},
): DoubleReply {
  return { status, body: { errorMessages, errors } };
}
