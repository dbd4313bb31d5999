import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/lib/logger';
import { createServices } from '../../src/services';
import { AUDIT_ORG_ID, AUDIT_USER_ID } from '../support/audit-events';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { metricsOf, signedFetch, testRelayEnv } from '../support/relay';
import { killHard, startRelayProcess, type RelayProcess } from '../support/relay-processes';
import { SalesforceDouble } from '../support/salesforce-double';
import { ENGINES, databaseUrlOf, freshStoreLocation } from '../support/stores';

const OBJECT = 'Jira_Audit_Event__c';
const TOTAL = 1_000;
const CONCURRENCY = 20;

async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function outboxPending(relay: RelayProcess): Promise<number> {
  const metrics = await metricsOf(relay);
  const match = /^relay_audit_outbox_pending (\d+)/m.exec(metrics);
  return match ? Number(match[1]) : Number.NaN;
}

describe.each(ENGINES)(
  'audit delivery of real operations through outage and crash on %s',
  (engine) => {
    let salesforce: SalesforceDouble;
    let jira: JiraDouble;
    const running: RelayProcess[] = [];

    beforeAll(async () => {
      salesforce = await SalesforceDouble.start();
      salesforce.registerClientCredentials('relay-client', 'relay-client-secret-value');
      jira = await startJiraDouble({ deployment: 'cloud' });
    });
    afterAll(async () => {
      for (const relay of running) await killHard(relay);
      await Promise.all([salesforce.stop(), jira.stop()]);
    });

    it('when Salesforce is down for a while and the relay is killed once then the audit event of each of 1,000 operations arrives exactly once', async () => {
      const env = {
        ...testRelayEnv(databaseUrlOf(await freshStoreLocation(engine))),
        RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
        RELAY_TENANT_RATE_LIMIT_PER_MINUTE: '100000',
        RELAY_OUTBOX_POLL_MS: '20',
        // Batches wait until they are full however slowly the machine sends the comments, so
        // the count of Salesforce calls below does not depend on the machine's speed (1,000
        // events make five full batches; nothing waits for the linger at the end).
        RELAY_OUTBOX_LINGER_MS: '60000',
        RELAY_OUTBOX_LEASE_MS: '1500',
        RELAY_SALESFORCE_TIMEOUT_MS: '1000',
        RELAY_OUTBOX_BACKOFF_BASE_MS: '50',
        RELAY_OUTBOX_BACKOFF_MAX_MS: '200',
      };
      const setup = await createServices(loadConfig(env), createLogger('silent'));
      const secret = await setup.tenants.add({
        orgId: AUDIT_ORG_ID,
        name: 'Acme',
        salesforceAuth: {
          type: 'client_credentials',
          loginUrl: salesforce.url,
          clientId: 'relay-client',
          clientSecret: 'relay-client-secret-value',
        },
      });
      await setup.store.close();

      const signed = (relay: RelayProcess, method: string, target: string, body?: unknown) =>
        signedFetch(relay.url, {
          method,
          path: target,
          body: body === undefined ? undefined : JSON.stringify(body),
          orgId: AUDIT_ORG_ID,
          userId: AUDIT_USER_ID,
          secret,
        });

      /** `count` real comment operations, CONCURRENCY at a time; returns their request ids. */
      async function comment(
        relay: RelayProcess,
        issueKey: string,
        count: number,
      ): Promise<string[]> {
        const ids: string[] = [];
        for (let start = 0; start < count; start += CONCURRENCY) {
          const answers = await Promise.all(
            Array.from({ length: Math.min(CONCURRENCY, count - start) }, (_, i) =>
              signed(relay, 'POST', `/v1/issues/${issueKey}/comments`, {
                connection: 'default',
                body: `Update ${start + i} from Salesforce`,
                record: {
                  id: '5005g00000Q1w2eAAB',
                  url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
                },
                user: { name: 'Sam Support', email: 'sam@acme.example' },
              }),
            ),
          );
          for (const answer of answers) {
            expect(answer.status).toBe(201);
            ids.push(answer.headers.get('x-request-id') as string);
          }
        }
        return ids;
      }

      // Salesforce is down while the first operations happen.
      salesforce.fault = { kind: 'unavailable' };
      const first = await startRelayProcess(env);
      running.push(first);
      const connected = await signed(first, 'PUT', '/v1/connections/default', {
        deployment: 'cloud',
        baseUrl: jira.url,
        auth: {
          method: 'api_token',
          email: 'ada@example.com',
          token: 'ATATT-double-api-token-ada',
        },
      });
      expect(connected.status).toBe(200);
      const connectId = connected.headers.get('x-request-id') as string;
      const issueKey = jira.model.seedIssue('SUP', { summary: 'Checkout fails' }).key;

      const expected = [connectId, ...(await comment(first, issueKey, 599))];
      await waitFor(
        'failed attempts',
        () => salesforce.calls.filter((c) => c.status === 503).length >= 3,
      );

      // Salesforce comes back, slowly: the first batch is saved but its answer is still on the way
      // when the relay is killed, so the relay never learns it was delivered.
      salesforce.slowMs = 400;
      salesforce.fault = { kind: 'none' };
      await waitFor('the first batch saved', () => salesforce.records(OBJECT).length >= 200);
      await killHard(first);
      expect(first.child.signalCode).toBe('SIGKILL');
      salesforce.slowMs = 0;

      const second = await startRelayProcess(env);
      running.push(second);
      expected.push(...(await comment(second, issueKey, TOTAL - expected.length)));
      expect(new Set(expected).size).toBe(TOTAL);
      await waitFor(
        'every event delivered',
        async () =>
          salesforce.records(OBJECT).length >= TOTAL && (await outboxPending(second)) === 0,
      );

      const delivered = salesforce.records(OBJECT).map((r) => String(r.Request_Id__c));
      expect(delivered).toHaveLength(TOTAL);
      expect(new Set(delivered)).toEqual(new Set(expected));
      const operations = salesforce.records(OBJECT).map((r) => String(r.Operation__c));
      expect(operations.filter((op) => op === 'Comment')).toHaveLength(TOTAL - 1);
      expect(operations.filter((op) => op === 'Connect')).toHaveLength(1);
      expect(
        jira.log.filter((e) => e.method === 'POST' && e.path.endsWith('/comment')),
      ).toHaveLength(TOTAL - 1);

      const upserts = salesforce.calls.filter((c) => c.kind === 'upsert');
      const failedUpserts = upserts.filter((c) => c.status !== 200).length;
      const resentEvents = [...salesforce.upsertsByExternalId.values()].filter((n) => n > 1).length;
      // The batch in flight at the kill is sent again (one extra call) and updates, never
      // duplicates, its records; nothing else is sent twice.
      expect(resentEvents).toBeLessThanOrEqual(200);
      expect(upserts.length).toBeLessThanOrEqual(Math.ceil(TOTAL / 200) + failedUpserts + 1);
      expect(upserts.every((c) => c.records <= 200)).toBe(true);
      process.stdout.write(
        `fault, Salesforce down then SIGKILL (${engine}): ${TOTAL} operations -> ${delivered.length} audit records, ${upserts.length} upsert calls (${failedUpserts} failed), ${resentEvents} events sent twice, ${new Set(delivered).size} distinct\n`,
      );

      second.child.kill('SIGTERM');
      await new Promise((resolve) => second.child.once('exit', resolve));
      const output = first.output() + second.output();
      expect(output).toContain('audit write-back failed');
      for (const secretValue of [
        'relay-client-secret-value',
        'ATATT-double-api-token-ada',
        secret,
        ...salesforce.issuedTokens,
      ])
        expect(output).not.toContain(secretValue);
    }, 90_000);
  },
);
