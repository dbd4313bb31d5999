import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { REPO_ROOT } from './processes';

const MAIN = path.join(REPO_ROOT, 'relay-service/src/main.ts');

export interface RelayProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/**
 * Starts the production entry point as its own process. Node itself is spawned (not the tsx
 * wrapper) so that SIGKILL hits the process that holds the claims and locks.
 */
export function startRelayProcess(env: Record<string, string>): Promise<RelayProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`relay not ready:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"relay listening"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1] as string, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with ${code}:\n${output}`));
    });
  });
}

/** Kills a relay process at once (no shutdown, no flush) and waits until it is gone. */
export async function killHard(relay: RelayProcess): Promise<void> {
  if (relay.child.exitCode !== null || relay.child.signalCode !== null) return;
  const gone = new Promise((resolve) => relay.child.once('exit', resolve));
  relay.child.kill('SIGKILL');
  await gone;
}

export interface RoundRobinProxy {
  url: string;
  /** Requests forwarded to each target, by target URL. */
  forwarded: Map<string, number>;
  stop(): Promise<void>;
}

/**
 * A load balancer for tests: each request goes to the next target in turn, bytes unchanged
 * (the signature covers them). A target that refuses the connection answers 502, as a real
 * balancer does before its health check notices.
 */
export async function startRoundRobinProxy(targets: () => string[]): Promise<RoundRobinProxy> {
  let next = 0;
  const upstreamAgent = new http.Agent({ keepAlive: false });
  const forwarded = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const list = targets();
    const target = new URL(list[next % list.length] as string);
    next += 1;
    forwarded.set(target.origin, (forwarded.get(target.origin) ?? 0) + 1);
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: withoutHopByHop(req.headers),
        agent: upstreamAgent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end('bad gateway');
    });
    req.pipe(upstream);
  });
  // Idle client sockets stay open well past any client's own keep-alive timeout: on a busy
  // machine a late timer would otherwise close a socket the client is just reusing (ECONNRESET).
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    forwarded,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        upstreamAgent.destroy();
        server.close(() => resolve());
      }),
  };
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te']);

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name.toLowerCase())),
  );
}
