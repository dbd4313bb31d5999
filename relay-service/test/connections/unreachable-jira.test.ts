import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { HostResolver } from '../../src/lib/upstream-guard';
import { AdminClient } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';

/**
 * Whoever sets a connection's base URL must not learn from the answer what the relay's network
 * looks like: refused, unreachable, unknown host, a bad certificate and a silent host all answer
 * the same. The operator finds the network's own words in the log.
 */

/** Names resolve to loopback; anything else is unknown (ENOTFOUND), without a network. */
const resolver: HostResolver = async (hostname) => {
  if (hostname === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
};

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TLS server with a self-signed certificate (made by openssl for this run). */
function selfSignedTlsServer(): tls.Server {
  const dir = mkdtempSync(path.join(tmpdir(), 'pharos-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
      ],
      { stdio: 'ignore' },
    );
    return tls.createServer({
      key: readFileSync(path.join(dir, 'key.pem')),
      cert: readFileSync(path.join(dir, 'cert.pem')),
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

type Problem = Record<string, unknown> & { code?: string; detail?: string; status?: number };

describe('a Jira the relay cannot reach', () => {
  let relay: TestRelay;
  let guarded: TestRelay;
  let admin: AdminClient;
  let guardedAdmin: AdminClient;
  let double: JiraDouble;
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  const targets: Record<string, string> = {};

  beforeAll(async () => {
    double = await startJiraDouble({ deployment: 'server' });
    const settings = { baseDelayMs: 2, maxDelayMs: 10, totalTimeoutMs: 1500 };
    [relay, guarded] = await Promise.all([
      startTestRelay({
        env: { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' },
        serviceOptions: { resolveHost: resolver, jiraTransport: settings },
      }),
      startTestRelay({ serviceOptions: { resolveHost: resolver, jiraTransport: settings } }),
    ]);
    admin = new AdminClient(relay, await relay.services.tenants.add({ orgId: ORG_ID, name: 'A' }));
    guardedAdmin = new AdminClient(
      guarded,
      await guarded.services.tenants.add({ orgId: ORG_ID, name: 'A' }),
    );

    const silent = net.createServer((socket) => sockets.push(socket));
    const tlsServer = selfSignedTlsServer();
    tlsServer.on('tlsClientError', () => undefined);
    servers.push(silent, tlsServer);
    targets['refused'] = `http://127.0.0.1:${await closedPort()}`;
    targets['unknown host'] = 'https://jira.nowhere.test';
    targets['self-signed certificate'] = `https://localhost:${await listen(tlsServer)}`;
    targets['TLS to a plain HTTP server'] = `https://127.0.0.1:${new URL(double.url).port}`;
    targets['silent host'] = `http://127.0.0.1:${await listen(silent)}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
    await Promise.all([relay.stop(), guarded.stop(), double.stop()]);
  });

  const save = (client: AdminClient, baseUrl: string) =>
    client.call('PUT', '/v1/connections/probe', {
      deployment: 'server',
      baseUrl,
      auth: { method: 'pat', token: 'NjM3-double-pat-ada' },
    });

  /** The members a caller could tell failures apart by. */
  const visible = (body: Problem) => ({
    status: body.status,
    code: body.code,
    detail: body.detail,
    fieldErrors: body.fieldErrors,
    jiraStatus: body.jiraStatus,
  });

  it('when a connection is saved against hosts that fail in different ways then every answer is the same', async () => {
    const answers: Record<string, Problem> = {};
    for (const [what, baseUrl] of Object.entries(targets)) {
      answers[what] = (await save(admin, baseUrl)).body;
    }
    // With the guard on, a name that does not resolve is refused before any connection.
    answers['unknown host, guard on'] = (
      await save(guardedAdmin, 'https://jira.nowhere.test')
    ).body;

    const first = visible(answers.refused as Problem);
    expect(first).toMatchObject({ status: 503, code: 'JIRA_UNAVAILABLE' });
    expect(first.detail).toContain('could not connect to Jira');
    for (const [what, body] of Object.entries(answers)) {
      expect({ what, ...visible(body) }).toEqual({ what, ...first });
    }
    const said = JSON.stringify(Object.values(answers));
    for (const leak of [
      'ECONN',
      'ENOTFOUND',
      'EPROTO',
      'SSL',
      'certificate',
      'self-signed',
      'nowhere',
      '127.0.0.1',
      'timeout',
      ' ms',
    ])
      expect(said).not.toContain(leak);
    expect((await admin.call('GET', '/v1/connections')).body.connections).toEqual([]);

    // The operator still learns what happened.
    expect(relay.logs.text).toContain('ECONNREFUSED');
    expect(relay.logs.text).toContain('ENOTFOUND');
    expect(relay.logs.text).toContain('SELF_SIGNED');
    expect(guarded.logs.text).toContain('ENOTFOUND');
  });

  it('when a stored connection is tested after its Jira went away then the answer is the same', async () => {
    const gone = await startJiraDouble({ deployment: 'server' });
    const saved = await save(admin, gone.url);
    expect(saved.status).toBe(200);
    await gone.stop();
    const test = await admin.call('POST', '/v1/connections/probe/test');
    const refused = await save(admin, targets.refused as string);
    expect(visible(test.body)).toEqual(visible(refused.body));
  });
});
