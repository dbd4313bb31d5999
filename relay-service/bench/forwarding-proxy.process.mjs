import http from 'node:http';
import { URL } from 'node:url';

/**
 * The least any Node process between Salesforce and Jira can add: node:http in, node:http out
 * over kept-alive sockets, the answer piped back untouched. No parsing, signing, store or log.
 * load.bench.ts sends the direct Jira requests through it too, so each row shows what one Node
 * hop costs on this machine under the same load, next to what the relay adds.
 *
 * UPSTREAM=<Jira double URL>; prints one JSON line, {"url": …}, once listening.
 */

const upstream = new URL(process.env.UPSTREAM ?? '');
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

const server = http.createServer((request, response) => {
  const forwarded = http.request(
    {
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.url,
      headers: request.headers,
      agent,
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  forwarded.on('error', () => {
    if (!response.headersSent) response.writeHead(502);
    response.end();
  });
  request.pipe(forwarded);
});
// Longer than autocannon's connections stay idle between runs.
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.once('SIGTERM', () => process.exit(0));
