import type http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';

/** Starts a server on 127.0.0.1 (port 0: a free one) and answers the port it got. */
export async function listenOnLoopback(
  server: http.Server | https.Server,
  port = 0,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Closes a server at once: the sandbox stops, no request is worth waiting for. */
export async function closeNow(server: http.Server | https.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
