import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { AdminClient } from '../support/connections';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';

describe('connection audit events', () => {
  let cloud: JiraDouble;
  let relay: TestRelay;
  let admin: AdminClient;

  beforeAll(async () => {
    cloud = await startJiraDouble({ deployment: 'cloud' });
    relay = await startTestRelay({ env: { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' } });
    admin = new AdminClient(
      relay,
      await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' }),
    );
  });
  afterAll(async () => {
    await relay.stop();
    await cloud.stop();
  });

  const queued = async () => {
    const rows = await relay.services.store.db
      .selectFrom('audit_outbox')
      .select(['request_id', 'event'])
      .orderBy('created_at')
      .execute();
    return rows.map((row) => JSON.parse(row.event) as Record<string, unknown>);
  };

  it('when a connection is saved, refused and deleted then each leaves one audit event, without secrets', async () => {
    const saved = await admin.call('PUT', '/v1/connections/default', {
      deployment: 'cloud',
      baseUrl: cloud.url,
      auth: { method: 'api_token', email: 'ada@example.com', token: 'ATATT-double-api-token-ada' },
    });
    expect(saved.status).toBe(200);
    const refused = await admin.call('PUT', '/v1/connections/wrong', {
      deployment: 'cloud',
      baseUrl: cloud.url,
      auth: { method: 'api_token', email: 'ada@example.com', token: 'ATATT-not-a-real-token' },
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect((await admin.call('DELETE', '/v1/connections/default')).status).toBe(204);

    const events = await queued();
    expect(events.map((e) => [e.operation, e.outcome, e.connection])).toEqual([
      ['Connect', 'Success', 'default'],
      ['Connect', 'Failed', 'wrong'],
      ['Disconnect', 'Success', 'default'],
    ]);
    expect(events[0]).toMatchObject({
      requestId: saved.headers.get('x-request-id'),
      actingUserId: '0055g00000AbCdEFGH',
      orgId: ORG_ID,
    });
    expect(events[1]).toMatchObject({ errorCode: refused.body.code, jiraStatus: 401 });
    expect(JSON.stringify(events)).not.toContain('ATATT');
  });
});
