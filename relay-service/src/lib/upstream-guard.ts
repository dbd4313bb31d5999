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

/**
 * The eight 16-bit groups of an IPv6 address written in any form (compressed or not, hex or
 * with a dotted IPv4 tail, with a zone id). The WHATWG URL parser reads it, so the address is
 * the one a socket would use: `::127.0.0.1` is `::7f00:1`, not the IPv4-mapped `::ffff:…`.
 */
function ipv6Groups(text: string): number[] | undefined {
  const bare = stripBrackets(text).replace(/%.*$/, '');
  if (!bare.includes(':')) return undefined;
  let canonical: string;
  try {
    canonical = stripBrackets(new URL(`http://[${bare}]/`).hostname);
  } catch {
    return undefined;
  }
  const [head = '', tail] = canonical.split('::');
  const part = (words: string) => (words ? words.split(':').map((w) => parseInt(w, 16)) : []);
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const groups = [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

const ipv4Of = (high: number, low: number) =>
  new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);

const zeros = (groups: number[]) => groups.every((g) => g === 0);

/**
 * The IPv4 addresses an IPv6 address carries, by the form it has: packets to it reach these
 * (through the host's own stack, a NAT64 translator or a tunnel), so they are what is judged.
 */
function embeddedIPv4(g: number[]): { form: string; addresses: ipaddr.IPv4[] } | undefined {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const last = () => [ipv4Of(g6, g7)];
  // ::ffff:a.b.c.d (IPv4-mapped) and ::a.b.c.d (IPv4-compatible; :: and ::1 are not).
  if (zeros([g0, g1, g2, g3, g4]) && g5 === 0xffff)
    return { form: 'IPv4-mapped', addresses: last() };
  if (zeros([g0, g1, g2, g3, g4, g5]) && !(g6 === 0 && g7 <= 1))
    return { form: 'IPv4-compatible', addresses: last() };
  // ::ffff:0:a.b.c.d (IPv4-translated, RFC 6145).
  if (zeros([g0, g1, g2, g3, g5]) && g4 === 0xffff)
    return { form: 'IPv4-translated', addresses: last() };
  // 64:ff9b::a.b.c.d (NAT64 well-known prefix, RFC 6052).
  if (g0 === 0x64 && g1 === 0xff9b && zeros([g2, g3, g4, g5]))
    return { form: 'NAT64', addresses: last() };
  // 2002:AABB:CCDD::/48 (6to4): the site's IPv4 address follows the prefix.
  if (g0 === 0x2002) return { form: '6to4', addresses: [ipv4Of(g1, g2)] };
  // 2001:0:SSSS:SSSS:flags:port:CCCC:CCCC (Teredo): the server, and the client obfuscated.
  if (g0 === 0x2001 && g1 === 0)
    return { form: 'Teredo', addresses: [ipv4Of(g2, g3), ipv4Of(g6 ^ 0xffff, g7 ^ 0xffff)] };
  // prefix:0:5efe:a.b.c.d or prefix:200:5efe:a.b.c.d (ISATAP interface identifier).
  if ((g4 & 0xfcff) === 0 && g5 === 0x5efe) return { form: 'ISATAP', addresses: last() };
  return undefined;
}

/** IPv4 judged by its range: only global unicast passes. */
function forbiddenIPv4Reason(address: ipaddr.IPv4): string | undefined {
  if (METADATA_ADDRESSES.has(address.toString())) return 'cloud metadata address';
  const range = address.range();
  return range === 'unicast' ? undefined : `${range} address`;
}

/** Why an address may not be contacted, or undefined when it is a public unicast address. */
export function forbiddenAddressReason(address: string): string | undefined {
  const groups = ipv6Groups(address);
  if (!groups) {
    const bare = stripBrackets(address);
    if (!ipaddr.IPv4.isValid(bare)) return 'not an IP address';
    return forbiddenIPv4Reason(ipaddr.IPv4.parse(bare));
  }
  const ipv6 = new ipaddr.IPv6(groups);
  if (METADATA_ADDRESSES.has(ipv6.toString())) return 'cloud metadata address';
  // NAT64 local-use prefixes (RFC 8215) place the IPv4 address by a prefix length only the
  // local network knows, so it cannot be judged: such a network's own address.
  if (groups[0] === 0x64 && groups[1] === 0xff9b && groups[2] === 1)
    return 'NAT64 local-use address';
  const embedded = embeddedIPv4(groups);
  if (embedded) {
    for (const ipv4 of embedded.addresses) {
      const reason = forbiddenIPv4Reason(ipv4);
      if (reason) return `${embedded.form} form of ${ipv4.toString()} (${reason})`;
    }
    // These forms are fully described by their IPv4 address; ISATAP also has its own prefix.
    if (embedded.form !== 'ISATAP') return undefined;
  }
  // The rest of 64:ff9b::/32 (outside the well-known /96 and the local-use /48) is unassigned;
  // a translator configured there would hide an IPv4 address this guard cannot find.
  if (groups[0] === 0x64 && groups[1] === 0xff9b)
    return 'NAT64 address outside the well-known prefix';
  const range = ipv6.range();
  // Only global unicast passes. Everything else (loopback, linkLocal, uniqueLocal, multicast,
  // unspecified, reserved, discard, …) is refused.
  return range === 'unicast' ? undefined : `${range} address`;
}

/** Whether a host is an IP address literal (in brackets or not), rather than a name. */
export function isIpLiteral(host: string): boolean {
  return ipv6Groups(host) !== undefined || ipaddr.IPv4.isValid(stripBrackets(host));
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

/**
 * The host of an upstream URL has no address. Kept apart from other errors so a caller can
 * answer it as it answers any other failure to reach the upstream (the DNS detail is logged).
 */
export class UpstreamUnresolvedError extends Error {
  constructor(
    readonly host: string,
    cause: unknown,
  ) {
    super(`upstream ${host} could not be resolved`, { cause });
    this.name = 'UpstreamUnresolvedError';
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
    if (isIpLiteral(host)) return [{ address: host, family: host.includes(':') ? 6 : 4 }];
    try {
      const addresses = await this.resolve(host);
      if (addresses.length === 0) throw new Error('no addresses');
      return addresses;
    } catch (error) {
      throw new UpstreamUnresolvedError(host, error);
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
          if (isIpLiteral(host)) {
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
