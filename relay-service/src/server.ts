import type { AddressInfo } from 'node:net';
import http from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';

export interface ServerHandle {
  url: string;
  port: number;
  server: http.Server;
  /** Stops accepting, lets in-flight requests finish within the bound, then closes. Idempotent. */
  stop(): Promise<void>;
}

export async function listen(
  app: Express,
  options: {
    port: number;
    host?: string;
    shutdownTimeoutMs: number;
    /** How long a client may take to send its headers (Node answers 408 and closes). */
    headersTimeoutMs: number;
    /** How long the body may take after them; the app answers 408 REQUEST_TIMEOUT first. */
    bodyTimeoutMs: number;
    logger: Logger;
    onClosed?: () => Promise<void>;
  },
): Promise<ServerHandle> {
  const server = http.createServer(
    {
      headersTimeout: options.headersTimeoutMs,
      // A backstop behind the app's own body timeout, for whatever never reaches the app.
      requestTimeout: options.headersTimeoutMs + options.bodyTimeoutMs + 5_000,
      // How often Node checks those two; its default (30 s) would stretch them by as much.
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  // Longer than common load balancer idle timeouts, so the relay never closes first mid-request.
  // An idle keep-alive connection does not count against headersTimeout (only a started request).
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host =
    options.host && options.host !== '0.0.0.0' && options.host !== '::'
      ? options.host
      : '127.0.0.1';
  let stopping: Promise<void> | undefined;

  const stop = () => {
    stopping ??= (async () => {
      options.logger.info('shutting down: no new connections, draining in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive sockets would otherwise hold close() open until they time out: close each
      // one as soon as its in-flight request has been answered.
      server.closeIdleConnections();
      const sweeper = setInterval(() => server.closeIdleConnections(), 25);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), options.shutdownTimeoutMs);
      });
      if ((await Promise.race([closed, timedOut])) === 'timeout') {
        options.logger.warn(
          { timeoutMs: options.shutdownTimeoutMs },
          'in-flight requests did not finish in time; closing them',
        );
        server.closeAllConnections();
        await closed;
      }
      clearTimeout(timer);
      clearInterval(sweeper);
      await options.onClosed?.();
      options.logger.info('stopped');
    })();
    return stopping;
  };

  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, server, stop };
}
