import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/lib/logger';
import { createServices } from '../../src/services';
import { AUDIT_ORG_ID, requestIds } from '../support/audit-events';
import { REPO_ROOT } from '../support/processes';
import { TEST_KEY } from '../support/relay';
import { SalesforceDouble } from '../support/salesforce-double';
import { ENGINES, databaseUrlOf, freshStoreLocation } from '../support/stores';

const ENTRY = path.join(REPO_ROOT, 'relay-service/test/support/audit-relay-entry.ts');
const OBJECT = 'Jira_Audit_Event__c';
const TOTAL = 1_000;

interface RelayProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Spawns node itself (not the tsx wrapper) so SIGKILL hits the process that holds the claims. */
function startRelay(env: Record<string, string>): Promise<RelayProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`relay not ready:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /AUDIT_RELAY_READY (\S+)/.exec(output);
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

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const recordEvents = async (relay: RelayProcess, from: number, count: number) => {
  const response = await fetch(`${relay.url}/test/audit-events`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prefix: 'req', from, count }),
  });
  expect(response.status).toBe(200);
};

describe.each(ENGINES)('audit delivery through outage and crash on %s', (engine) => {
  let double: SalesforceDouble;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    double = await SalesforceDouble.start();
    double.registerClientCredentials('relay-client', 'relay-client-secret-value');
  });
  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    await double.stop();
  });

  it('when Salesforce is down for a while and the relay is killed once then each of 1,000 events arrives exactly once', async () => {
    const env = {
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrlOf(await freshStoreLocation(engine)),
      RELAY_ENCRYPTION_KEYS: TEST_KEY,
      RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
      LOG_LEVEL: 'info',
      RELAY_OUTBOX_POLL_MS: '20',
      RELAY_OUTBOX_LEASE_MS: '1500',
      RELAY_SALESFORCE_TIMEOUT_MS: '1000',
      RELAY_OUTBOX_BACKOFF_BASE_MS: '50',
      RELAY_OUTBOX_BACKOFF_MAX_MS: '200',
    };
    const setup = await createServices(loadConfig(env), createLogger('silent'));
    await setup.tenants.add({
      orgId: AUDIT_ORG_ID,
      name: 'Acme',
      salesforceAuth: {
        type: 'client_credentials',
        loginUrl: double.url,
        clientId: 'relay-client',
        clientSecret: 'relay-client-secret-value',
      },
    });
    await setup.store.close();

    // Salesforce is down while the first 600 operations happen.
    double.fault = { kind: 'unavailable' };
    const first = await startRelay(env);
    running.push(first.child);
    await recordEvents(first, 0, 600);
    await waitFor(
      'failed attempts',
      () => double.calls.filter((c) => c.status === 503).length >= 3,
    );

    // Salesforce comes back, slowly: the first batch is saved but its answer is still on the way
    // when the relay is killed, so the relay never learns it was delivered.
    double.slowMs = 400;
    double.fault = { kind: 'none' };
    await waitFor('the first batch saved', () => double.records(OBJECT).length >= 200);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(first.child.signalCode).toBe('SIGKILL');
    double.slowMs = 0;

    const second = await startRelay(env);
    running.push(second.child);
    await recordEvents(second, 600, 400);
    await waitFor('every event delivered', async () => {
      if (double.records(OBJECT).length < TOTAL) return false;
      const stats = (await (await fetch(`${second.url}/test/outbox-stats`)).json()) as {
        pending: number;
      };
      return stats.pending === 0;
    });

    const delivered = double.records(OBJECT).map((r) => String(r.Request_Id__c));
    expect(delivered).toHaveLength(TOTAL);
    expect(new Set(delivered)).toEqual(new Set(requestIds(TOTAL)));

    const upserts = double.calls.filter((c) => c.kind === 'upsert');
    const failedUpserts = upserts.filter((c) => c.status !== 200).length;
    const resentEvents = [...double.upsertsByExternalId.values()].filter((n) => n > 1).length;
    // The batch in flight at the kill is sent again (one extra call) and updates, never
    // duplicates, its records; nothing else is sent twice.
    expect(resentEvents).toBe(200);
    expect(upserts.length).toBeLessThanOrEqual(Math.ceil(TOTAL / 200) + failedUpserts + 1);
    expect(upserts.every((c) => c.records <= 200)).toBe(true);

    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
    const output = first.output() + second.output();
    expect(output).toContain('audit write-back failed');
    for (const secret of ['relay-client-secret-value', ...double.issuedTokens])
      expect(output).not.toContain(secret);
  }, 60_000);
});
