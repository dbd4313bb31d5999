import http from 'node:http';
import net from 'node:net';
import { signedHeaders } from '../../src/tenants/signing';
import { USER_ID, randomNonce } from './relay';

/**
 * Requests sent exactly as written. fetch() normalises what it sends (dot segments, percent
 * case, header casing); these helpers put the path and bytes on the wire untouched.
 */

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RawRequest {
  method: string;
  /** The request target as sent, e.g. `/v1/./connections`. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method: request.method,
        path: request.path,
        headers: {
          ...(request.body !== undefined
            ? { 'Content-Length': Buffer.byteLength(request.body) }
            : {}),
          ...request.headers,
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}

export interface SignedRawRequest extends RawRequest {
  orgId: string;
  secret: string;
  userId?: string;
  /** The bytes the signature covers, when they differ from the bytes sent. */
  signedBody?: Buffer | string;
}

/** A request signed over its target and body exactly as they go on the wire. */
export function signedRawRequest(baseUrl: string, request: SignedRawRequest): Promise<RawAnswer> {
  const body = request.body ?? '';
  const headers = signedHeaders(
    request.secret,
    {
      method: request.method,
      target: request.path,
      orgId: request.orgId,
      userId: request.userId ?? USER_ID,
      body: request.signedBody ?? body,
    },
    randomNonce,
  );
  return rawRequest(baseUrl, {
    ...request,
    headers: {
      ...(body.length > 0 ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
      ...request.headers,
    },
  });
}

/** A socket that sends `head` (and later what the test writes) and collects every byte back. */
export interface SlowClient {
  socket: net.Socket;
  /** Resolves with everything the server sent once it closes the connection. */
  closed: Promise<{ received: string; afterMs: number }>;
}

export function slowClient(baseUrl: string, head: string): Promise<SlowClient> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      const started = Date.now();
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      const closed = new Promise<{ received: string; afterMs: number }>((done) =>
        socket.on('close', () => done({ received, afterMs: Date.now() - started })),
      );
      socket.write(head);
      resolve({ socket, closed });
    });
    socket.on('error', reject);
  });
}
