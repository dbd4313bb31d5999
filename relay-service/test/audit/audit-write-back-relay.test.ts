import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { CREDENTIALS_CACHE_MS } from '../../src/tenants/tenant-service';
import { AUDIT_ORG_ID, auditEvent, requestIds } from '../support/audit-events';
import { runTs } from '../support/processes';
import { TEST_KEY, metricsOf, startTestRelay, type TestRelay } from '../support/relay';
import { SalesforceDouble } from '../support/salesforce-double';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const CLIENT_SECRET = 'second-tenant-client-secret-value';
const OTHER_ORG = '00D5g000004OTHERAA';

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Once into an org without the package namespace, once into one that installed it as pjx. */
describe.each(['', 'pjx'])(
  'audit write-back in the running relay (namespace "%s")',
  (namespace) => {
    let double: SalesforceDouble;
    let relay: TestRelay;
    const OBJECT = namespace ? `${namespace}__Jira_Audit_Event__c` : 'Jira_Audit_Event__c';
    const REQUEST_ID = namespace ? `${namespace}__Request_Id__c` : 'Request_Id__c';

    beforeAll(async () => {
      double = await SalesforceDouble.start({ namespace });
      double.registerJwtApp('jwt-client', publicKey, 'integration@acme.example');
      double.registerClientCredentials('cc-client', CLIENT_SECRET);
      relay = await startTestRelay({
        env: {
          RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
          RELAY_OUTBOX_POLL_MS: '10',
          RELAY_OUTBOX_BACKOFF_BASE_MS: '10',
          RELAY_OUTBOX_BACKOFF_MAX_MS: '50',
          RELAY_SALESFORCE_TIMEOUT_MS: '500',
          RELAY_OUTBOX_LEASE_MS: '1000',
        },
      });
      await relay.services.tenants.add({
        orgId: AUDIT_ORG_ID,
        name: 'Acme',
        namespace,
        salesforceAuth: {
          type: 'jwt_bearer',
          loginUrl: double.url,
          clientId: 'jwt-client',
          username: 'integration@acme.example',
          privateKey,
        },
      });
      await relay.services.tenants.add({
        orgId: OTHER_ORG,
        name: 'Other',
        namespace,
        salesforceAuth: {
          type: 'client_credentials',
          loginUrl: double.url,
          clientId: 'cc-client',
          clientSecret: CLIENT_SECRET,
        },
      });
    });
    afterAll(async () => {
      await relay.services.auditDrainer.stop();
      await relay.stop();
      await double.stop();
    });

    it('when events are recorded with the drainer running then they arrive and /metrics shows the outbox', async () => {
      relay.services.auditDrainer.start();
      for (const id of requestIds(5, 'a')) await relay.services.audit.record(auditEvent(id));
      for (const id of requestIds(5, 'o'))
        await relay.services.audit.record(auditEvent(id, { orgId: OTHER_ORG }));
      double.expireSessions();
      for (const id of requestIds(5, 'b')) await relay.services.audit.record(auditEvent(id));
      relay.services.auditDrainer.wake();
      await waitFor(() => double.records(OBJECT).length === 15);
      await relay.services.auditDrainer.stop();

      const metrics = await metricsOf(relay);
      expect(metrics).toMatch(/^relay_audit_outbox_pending 0$/m);
      expect(metrics).toMatch(/^relay_audit_outbox_parked 0$/m);
      expect(metrics).toMatch(/^relay_audit_outbox_oldest_pending_age_seconds 0$/m);
      expect(metrics).toMatch(
        /^relay_audit_outbox_send_duration_seconds_count\{result="ok"\} \d+$/m,
      );
      expect(metrics).toMatch(/^relay_audit_outbox_events_total\{result="delivered"\} 15$/m);
    });

    it('when the relay has authenticated and written then no secret is in the log or the store file', async () => {
      expect(double.issuedTokens.length).toBeGreaterThan(0);
      const secrets = [
        CLIENT_SECRET,
        ...double.issuedTokens,
        // Any line of the key body would do; the middle one is pure key material.
        privateKey.split('\n')[5] as string,
      ];
      const log = relay.logs.text;
      expect(relay.config.store.engine).toBe('sqlite');
      const file = relay.config.store.engine === 'sqlite' ? relay.config.store.path : '';
      const bytes = [file, `${file}-wal`]
        .filter((f) => existsSync(f))
        .map((f) => readFileSync(f).toString('latin1'))
        .join('');
      expect(bytes.length).toBeGreaterThan(0);
      for (const secret of secrets) {
        expect(log).not.toContain(secret);
        expect(bytes).not.toContain(secret);
      }
    });

    it("when an Unlink is audited then the org's restricted Operation picklist takes it", async () => {
      const OPERATION = namespace ? `${namespace}__Operation__c` : 'Operation__c';
      relay.services.auditDrainer.start();
      await relay.services.audit.record(
        auditEvent('unlink-event', { operation: 'Unlink', templateId: null, fieldsSent: [] }),
      );
      relay.services.auditDrainer.wake();
      await waitFor(() => double.records(OBJECT).some((r) => r[REQUEST_ID] === 'unlink-event'));
      await relay.services.auditDrainer.stop();
      const written = double.records(OBJECT).find((r) => r[REQUEST_ID] === 'unlink-event');
      expect(written?.[OPERATION]).toBe('Unlink');
    });

    it('when the relay stops with events queued then it flushes them within the bound', async () => {
      for (const id of requestIds(3, 'flush')) await relay.services.audit.record(auditEvent(id));
      await relay.services.auditDrainer.stop({ flushWithinMs: 2_000 });
      expect(double.records(OBJECT).map((r) => r[REQUEST_ID])).toEqual(
        expect.arrayContaining(requestIds(3, 'flush')),
      );
    });

    it('when Salesforce is too slow at shutdown then stop returns at the bound and the events stay queued', async () => {
      for (const id of requestIds(3, 'late')) await relay.services.audit.record(auditEvent(id));
      double.slowMs = 400;
      double.fault = { kind: 'unavailable' };
      const started = Date.now();
      try {
        await relay.services.auditDrainer.stop({ flushWithinMs: 150 });
      } finally {
        double.slowMs = 0;
        double.fault = { kind: 'none' };
      }
      expect(Date.now() - started).toBeLessThan(400);
      expect((await relay.services.outbox.stats()).pending).toBe(3);
      expect(relay.logs.text).toContain('audit flush cut at the shutdown bound');
      // The abandoned call finishes in the background before the store closes.
      await new Promise((resolve) => setTimeout(resolve, 500));
    });
  },
);

describe('a tenant namespace changed while the relay runs', () => {
  let double: SalesforceDouble;
  let relay: TestRelay;
  let now = Date.now();
  const clock = { now: () => now };
  const OBJECT = 'pjx__Jira_Audit_Event__c';

  beforeAll(async () => {
    double = await SalesforceDouble.start({ namespace: 'pjx' });
    double.registerClientCredentials('cc-client', CLIENT_SECRET);
    relay = await startTestRelay({
      clock,
      env: {
        RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
        // The clock stands still between steps: a batch must not wait for more events.
        RELAY_OUTBOX_LINGER_MS: '0',
        RELAY_OUTBOX_POLL_MS: '10',
        RELAY_OUTBOX_BACKOFF_BASE_MS: '10',
        RELAY_OUTBOX_BACKOFF_MAX_MS: '50',
        RELAY_SALESFORCE_TIMEOUT_MS: '500',
        RELAY_OUTBOX_LEASE_MS: '1000',
      },
    });
    // Registered without the namespace, as a tenant added before the package was namespaced.
    for (const orgId of [AUDIT_ORG_ID, OTHER_ORG]) {
      await relay.services.tenants.add({
        orgId,
        name: orgId,
        salesforceAuth: {
          type: 'client_credentials',
          loginUrl: double.url,
          clientId: 'cc-client',
          clientSecret: CLIENT_SECRET,
        },
      });
    }
    relay.services.auditDrainer.start();
  });
  afterAll(async () => {
    await relay.services.auditDrainer.stop();
    await relay.stop();
    await double.stop();
  });

  /**
   * Waits until the drainer has put the org's events back with Salesforce's refusal (only then
   * has it chosen its backoff: moving the still clock before that would strand them).
   */
  const refusedFor = (orgId: string, count: number) =>
    waitFor(async () => {
      const entries = await relay.services.outbox.list({ status: 'pending', orgId, limit: 10 });
      return entries.length === count && entries.every((e) => e.lastError?.code === 'INVALID_TYPE');
    });

  it('when the namespace is missing then the org refuses the type and the events wait in the outbox', async () => {
    // Recorded in one turn, so one INSERT: the running drainer sees all three or none (one at a
    // time, it could refuse the first and back the tenant off before the others arrive).
    await Promise.all(
      requestIds(3, 'nons').map((id) => relay.services.audit.record(auditEvent(id))),
    );
    relay.services.auditDrainer.wake();
    await refusedFor(AUDIT_ORG_ID, 3);
    expect(double.records(OBJECT)).toHaveLength(0);
  });

  it('when this relay sets the namespace then its running drainer delivers at once', async () => {
    await relay.services.tenants.setNamespace(AUDIT_ORG_ID, 'pjx');
    // Past any backoff, but not past the settings cache: only the invalidation can help.
    now += 100;
    relay.services.auditDrainer.wake();
    await waitFor(() => double.records(OBJECT).length === 3);
    expect(double.records(OBJECT).map((r) => r.pjx__Request_Id__c)).toEqual(
      expect.arrayContaining(requestIds(3, 'nons')),
    );
  });

  it('when the operator sets it with the CLI then the running relay uses it within the cache bound', async () => {
    await Promise.all(
      requestIds(2, 'cli').map((id) =>
        relay.services.audit.record(auditEvent(id, { orgId: OTHER_ORG })),
      ),
    );
    relay.services.auditDrainer.wake();
    await refusedFor(OTHER_ORG, 2);
    const store = relay.config.store;
    const result = await runTs(
      'relay-service/cli/admin.ts',
      ['tenants', 'set', '--org-id', OTHER_ORG, '--namespace', 'pjx', '--json'],
      {
        DATABASE_URL: store.engine === 'sqlite' ? `sqlite:${store.path}` : store.url,
        RELAY_ENCRYPTION_KEYS: TEST_KEY,
        LOG_LEVEL: 'silent',
      },
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ orgId: OTHER_ORG, namespace: 'pjx' });
    now += CREDENTIALS_CACHE_MS + 1;
    relay.services.auditDrainer.wake();
    // Delivered means Salesforce has them and the outbox has marked them so.
    await waitFor(async () => (await relay.services.outbox.stats()).pending === 0);
    expect(double.records(OBJECT)).toHaveLength(5);
    // The CLI is started as its own process, as an operator runs it.
  }, 60_000);
});
