import { setImmediate as nextTurn } from 'node:timers/promises';
import { AdminClient } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';

const PAT = 'NjM3-double-pat-ada';

describe("a connection's row, read for each Jira client", () => {
  let jira: JiraDouble;
  let relay: TestRelay;

  beforeAll(async () => {
    jira = await startJiraDouble({ deployment: 'server' });
    relay = await startTestRelay({ env: { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' } });
    const admin = new AdminClient(
      relay,
      await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' }),
    );
    const saved = await admin.call('PUT', '/v1/connections/dc', {
      deployment: 'server',
      baseUrl: jira.url,
      auth: { method: 'pat', token: PAT },
    });
    expect(saved.status).toBe(200);
  });
  afterAll(async () => {
    await relay.stop();
    await jira.stop();
  });

  it('when requests of one turn ask for clients then the row is read once, and read again in the next turn', async () => {
    const { jira: clients, store } = relay.services;
    await clients.clientFor(ORG_ID, 'dc');
    await nextTurn();
    const selects = jest.spyOn(store.db, 'selectFrom');
    const connectionReads = () =>
      selects.mock.calls.filter(([table]) => String(table) === 'connections').length;
    try {
      const together = await Promise.all(
        Array.from({ length: 20 }, () => clients.clientFor(ORG_ID, 'dc')),
      );
      expect(new Set(together).size).toBe(1);
      expect(connectionReads()).toBe(1);
      await nextTurn();
      await clients.clientFor(ORG_ID, 'dc');
      expect(connectionReads()).toBe(2);
    } finally {
      selects.mockRestore();
    }
  });

  it('when the connection is disabled for a new consent then a request of a later turn sees it', async () => {
    const { jira: clients, store } = relay.services;
    await clients.clientFor(ORG_ID, 'dc');
    await store.db
      .updateTable('connections')
      .set({ status: 'needs_reauth', status_reason: 'revoked in Jira' })
      .where('org_id', '=', ORG_ID)
      .where('name', '=', 'dc')
      .execute();
    await nextTurn();
    await expect(clients.clientFor(ORG_ID, 'dc')).rejects.toMatchObject({
      code: 'CONNECTION_NEEDS_REAUTH',
    });
  });
});
