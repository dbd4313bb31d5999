import { performance } from 'node:perf_hooks';
import {
  caseRecord,
  CLOUD_API_TOKEN,
  incidentTemplate,
  newKey,
  newRecordId,
  startCreateWorld,
  USER,
} from '../test/operations/create-fixtures';
import type { JiraDouble } from '../test/support/jira-double';

/** What one logged Jira request was, to send again straight to the double. */
interface JiraCall {
  method: string;
  pathAndQuery: string;
  body?: unknown;
}

interface OperationResult {
  name: string;
  jiraCalls: number;
  expectedCalls: string;
  relayMs: number;
  directMs: number;
}

const CLOUD_AUTH = `Basic ${Buffer.from(`${CLOUD_API_TOKEN.email}:${CLOUD_API_TOKEN.token}`).toString('base64')}`;

/** Sends the same Jira requests the relay made straight to the double, and times them. */
async function timeDirect(double: JiraDouble, calls: JiraCall[]): Promise<number> {
  const started = performance.now();
  for (const call of calls) {
    const response = await fetch(`${double.url}${call.pathAndQuery}`, {
      method: call.method,
      headers: {
        Authorization: CLOUD_AUTH,
        Accept: 'application/json',
        ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
    });
    await response.arrayBuffer();
  }
  return performance.now() - started;
}

function callsSince(double: JiraDouble, from: number): JiraCall[] {
  return double.log
    .slice(from)
    .filter((entry) => entry.path.startsWith('/rest/'))
    .map((entry) => ({
      method: entry.method,
      pathAndQuery: `${entry.path}${entry.search}`,
      body: entry.body,
    }));
}

/**
 * Per operation: the Jira calls the relay made, and the relay's own time (its answer time less
 * the time the same Jira requests take when sent straight to the double), in the same run.
 */
export async function benchOperations(options: { iterations: number }): Promise<string> {
  const world = await startCreateWorld();
  const cloud = world.cloud;
  const template = incidentTemplate('cloud', { allowedTransitions: ['In Progress', 'Done'] });
  const results: OperationResult[] = [];

  async function measureOperation(
    name: string,
    expectedCalls: string,
    run: (i: number) => Promise<void>,
  ) {
    let relayMs = 0;
    let directMs = 0;
    let jiraCalls = 0;
    let createMetaCalls = 0;
    for (let i = 0; i < options.iterations; i += 1) {
      const from = cloud.log.length;
      const started = performance.now();
      await run(i);
      relayMs += performance.now() - started;
      const calls = callsSince(cloud, from);
      jiraCalls += calls.length;
      createMetaCalls += calls.filter((c) => c.pathAndQuery.includes('/createmeta')).length;
      // The same requests again, straight to the double (a replayed create makes one more
      // issue and a replayed transition may be refused: the double answers either as fast).
      directMs += await timeDirect(cloud, calls);
    }
    results.push({
      name: createMetaCalls > 0 ? `${name} [createmeta calls: ${createMetaCalls}]` : name,
      expectedCalls,
      jiraCalls: jiraCalls / options.iterations,
      relayMs: relayMs / options.iterations,
      directMs: directMs / options.iterations,
    });
  }

  const expectOk = (answer: { status: number; body: unknown }, what: string) => {
    if (answer.status >= 300)
      throw new Error(`${what} failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  };

  try {
    // Warm the create metadata cache once, so the create rows show the steady state.
    expectOk(
      await world.call(
        'POST',
        '/v1/issues',
        { template, record: caseRecord(newRecordId()), user: USER },
        { 'Idempotency-Key': newKey() },
      ),
      'warm-up create',
    );
    const keys: string[] = [];
    await measureOperation(
      'create + remote link (createmeta cached)',
      '2 (createmeta 0)',
      async () => {
        const answer = await world.call(
          'POST',
          '/v1/issues',
          { template, record: caseRecord(newRecordId()), user: USER },
          { 'Idempotency-Key': newKey() },
        );
        expectOk(answer, 'create');
        keys.push((answer.body.issue as { key: string }).key);
      },
    );
    await measureOperation('view', '1', async (i) => {
      expectOk(
        await world.call('GET', `/v1/issues/${keys[i % keys.length]}?connection=cloud`),
        'view',
      );
    });
    await measureOperation('comment', '1', async (i) => {
      const record = {
        id: '5005g00000Q1w2eAAB',
        url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
      };
      expectOk(
        await world.call('POST', `/v1/issues/${keys[i % keys.length]}/comments`, {
          connection: 'cloud',
          body: 'Customer confirmed the workaround.',
          record,
          user: USER,
        }),
        'comment',
      );
    });
    await measureOperation('transition (by target status)', '≤ 2', async (i) => {
      expectOk(
        await world.call('POST', `/v1/issues/${keys[i % keys.length]}/transitions`, {
          connection: 'cloud',
          template,
          transition: { toStatus: 'In Progress' },
          fields: {},
        }),
        'transition',
      );
    });
    await measureOperation('status of 20 issues', '1', async () => {
      expectOk(
        await world.call('GET', `/v1/issues?connection=cloud&keys=${keys.slice(0, 20).join(',')}`),
        'status',
      );
    });
  } finally {
    await world.stop();
  }

  const lines = [
    `Operations against the Cloud Jira double (${options.iterations} each; relay in-process, signed calls over loopback)`,
    `${'operation'.padEnd(42)} ${'Jira calls'.padStart(10)} ${'expected'.padStart(16)} ${'relay ms'.padStart(9)} ${'direct ms'.padStart(10)} ${'relay own ms'.padStart(13)}`,
    ...results.map(
      (r) =>
        `${r.name.padEnd(42)} ${r.jiraCalls.toFixed(1).padStart(10)} ${r.expectedCalls.padStart(16)} ${r.relayMs.toFixed(2).padStart(9)} ${r.directMs.toFixed(2).padStart(10)} ${(r.relayMs - r.directMs).toFixed(2).padStart(13)}`,
    ),
  ];
  return lines.join('\n');
}
