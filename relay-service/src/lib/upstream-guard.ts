import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction, Socket } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector } from 'undici';
import { AppError } from './errors';

/**
 * Server-side request forgery guard for upstreams whose address an admin typed in (Jira Server/DC
 * base URLs, Cloud site URLs). A tenant admin must not be able to make the relay talk to its own
 * network: loopback, private ranges, link-local (cloud metadata lives there), CGNAT, multicast.
 * Operator-configured endpoints (ATLASSIAN_AUTH_URL / ATLASSIAN_API_URL) are trusted and do not
 * go through here.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has. Injected by tests; DNS otherwise. */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: HostResolver = async (hostname) => {
  const addresses = await dns.lookup(hostname, { all: true, verbatim: true });
  return addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

export interface UpstreamGuardOptions {
  /** RELAY_ALLOW_PRIVATE_UPSTREAMS: plain http and internal addresses allowed (intranet Jira, tests). */
  allowPrivate: boolean;
  resolve?: HostResolver;
}

const stripBrackets = (host: string) => host.replace(/^\[|\]$/g, '');

// Named explicitly although their ranges are refused anyway: a future loosening of the range
// rules must never open these.
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

/** Why an address may not be contacted, or undefined when it is a public unicast address. */
export function forbiddenAddressReason(address: string): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(stripBrackets(address).replace(/%.*$/, ''));
  } catch {
    return 'not an IP address';
  }
  // ::ffff:127.0.0.1 reaches 127.0.0.1: judge the IPv4 address it carries.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  if (METADATA_ADDRESSES.has(parsed.toNormalizedString()) || METADATA_ADDRESSES.has(address))
    return 'cloud metadata address';
  const range = parsed.range();
  // Only global unicast passes. Everything else (loopback, private, linkLocal, carrierGradeNat,
  // multicast, unspecified, broadcast, reserved, uniqueLocal, and the IPv6 ranges that embed an
  // IPv4 address such as 6to4, teredo and rfc6052) is refused.
  return range === 'unicast' ? undefined : `${range} address`;
}

export class UpstreamForbiddenError extends Error {
  constructor(
    readonly host: string,
    readonly reason: string,
  ) {
    super(`upstream ${host} refused: ${reason}`);
    this.name = 'UpstreamForbiddenError';
  }
}

export function upstreamForbidden(host: string, reason: string, cause?: unknown): AppError {
  return new AppError(
    'UPSTREAM_HOST_FORBIDDEN',
    `The relay does not connect to ${host} (${reason}). Use the public https address of the Jira site; an operator can allow internal hosts with RELAY_ALLOW_PRIVATE_UPSTREAMS=true.`,
    { cause },
  );
}

export class UpstreamGuard {
  readonly allowPrivate: boolean;
  private readonly resolve: HostResolver;

  constructor(options: UpstreamGuardOptions) {
    this.allowPrivate = options.allowPrivate;
    this.resolve = options.resolve ?? systemResolver;
  }

  /**
   * Checks a URL before anything is sent or stored: scheme, embedded credentials, and every
   * address its host resolves to. The connector checks again at connect time (DNS rebinding).
   */
  async checkUrl(raw: string): Promise<URL> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch (error) {
      throw new AppError('VALIDATION_FAILED', 'The base URL is not a valid URL.', {
        cause: error,
        fieldErrors: [{ field: 'baseUrl', message: 'expected an absolute https URL' }],
      });
    }
    if (url.username || url.password) {
      throw new AppError('VALIDATION_FAILED', 'The base URL must not carry credentials.', {
        fieldErrors: [{ field: 'baseUrl', message: 'remove user:password@ from the URL' }],
      });
    }
    if (url.protocol !== 'https:' && !(this.allowPrivate && url.protocol === 'http:')) {
      throw upstreamForbidden(url.host, 'only https is allowed');
    }
    if (!this.allowPrivate) {
      for (const address of await this.addressesOf(url.hostname)) {
        const reason = forbiddenAddressReason(address.address);
        if (reason) throw upstreamForbidden(url.host, reason);
      }
    }
    return url;
  }

  /** True when a redirect from one URL to another must not be followed (another host). */
  static leavesHost(from: URL, location: string): boolean {
    try {
      const target = new URL(location, from);
      return target.host !== from.host || target.protocol !== from.protocol;
    } catch {
      return true;
    }
  }

  private async addressesOf(hostname: string): Promise<ResolvedAddress[]> {
    const host = stripBrackets(hostname);
    if (ipaddr.isValid(host)) return [{ address: host, family: host.includes(':') ? 6 : 4 }];
    try {
      const addresses = await this.resolve(host);
      if (addresses.length === 0) throw new Error('no addresses');
      return addresses;
    } catch (error) {
      throw new AppError(
        'VALIDATION_FAILED',
        `The host ${host} could not be resolved. Check the base URL.`,
        { cause: error, fieldErrors: [{ field: 'baseUrl', message: 'host not found' }] },
      );
    }
  }

  /**
   * A net/tls `lookup` that resolves through the guard's resolver and hands the socket only
   * allowed addresses, so the address connected to is the address checked.
   */
  lookup(): LookupFunction {
    return (hostname, options, callback) => {
      this.resolve(hostname).then(
        (addresses) => {
          if (!this.allowPrivate) {
            for (const a of addresses) {
              const reason = forbiddenAddressReason(a.address);
              if (reason) {
                callback(new UpstreamForbiddenError(hostname, reason), '', 4);
                return;
              }
            }
          }
          const wanted = options.family === 4 || options.family === 6 ? options.family : 0;
          const usable = addresses.filter((a) => wanted === 0 || a.family === wanted);
          if (usable.length === 0) {
            const error = Object.assign(new Error(`no address for ${hostname}`), {
              code: 'ENOTFOUND',
            });
            callback(error, '', 4);
            return;
          }
          if (options.all) {
            (callback as unknown as (e: null, all: LookupAddress[]) => void)(null, usable);
          } else {
            const first = usable[0] as ResolvedAddress;
            callback(null, first.address, first.family);
          }
        },
        (error: unknown) => callback(error as NodeJS.ErrnoException, '', 4),
      );
    };
  }

  /**
   * An undici dispatcher that keeps connections alive and refuses forbidden hosts at connect
   * time: literal addresses before dialling, names through `lookup`, and finally the socket's
   * real remote address.
   */
  agent(options: { connectTimeoutMs: number; connections: number }): Agent {
    const connect = buildConnector({
      timeout: options.connectTimeoutMs,
      lookup: this.lookup(),
    });
    return new Agent({
      connections: options.connections,
      keepAliveTimeout: 30_000,
      connect: (opts, callback) => {
        const host = stripBrackets(opts.hostname);
        if (!this.allowPrivate) {
          if (opts.protocol !== 'https:') {
            callback(new UpstreamForbiddenError(host, 'only https is allowed'), null);
            return;
          }
          // net.connect skips lookup for literal addresses, so judge them here.
          if (ipaddr.isValid(host)) {
            const reason = forbiddenAddressReason(host);
            if (reason) {
              callback(new UpstreamForbiddenError(host, reason), null);
              return;
            }
          }
        }
        connect(opts, (error, socket) => {
          if (error || !socket) {
            callback(error ?? new Error('connect failed'), null);
            return;
          }
          const remote = (socket as Socket).remoteAddress;
          const reason = this.allowPrivate
            ? undefined
            : remote
              ? forbiddenAddressReason(remote)
              : 'unknown remote address';
          if (reason) {
            socket.destroy();
            callback(new UpstreamForbiddenError(host, reason), null);
            return;
          }
          callback(null, socket);
        });
      },
    });
  }
}

/** Finds an UpstreamForbiddenError anywhere in an error's cause chain. */
export function forbiddenCause(error: unknown): UpstreamForbiddenError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth += 1) {
    if (current instanceof UpstreamForbiddenError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
