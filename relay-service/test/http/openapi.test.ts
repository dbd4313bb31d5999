import { createApp } from '../../src/app';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { AdminClient } from '../support/connections';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import {
  RelayContractValidator,
  documentedRoutes,
  loadRelayOpenApi,
  servedRoutes,
} from '../support/relay-openapi';

describe('relay-service/openapi.yaml', () => {
  const doc = loadRelayOpenApi();
  let relay: TestRelay;
  let cloud: JiraDouble;
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

  it('when the app is built then every route it serves is documented, and every documented route is served', () => {
    const served = servedRoutes(createApp(relay.services)).sort();
    expect(served).toEqual(documentedRoutes(doc).sort());
  });

  it('when the routes are exercised then every request and answer matches the document', async () => {
    await admin.call('GET', '/v1/connections');
    await admin.call('PUT', '/v1/connections/default', {
      deployment: 'cloud',
      baseUrl: cloud.url,
      auth: { method: 'api_token', email: 'ada@example.com', token: 'ATATT-double-api-token-ada' },
    });
    await admin.call('PUT', '/v1/connections/bad name', { deployment: 'cloud' });
    await admin.call('GET', '/v1/connections');
    await admin.call('POST', '/v1/connections/default/test');
    await admin.call('PATCH', '/v1/connections/default', { allowCommentsWithoutTemplate: false });
    await admin.call('POST', '/v1/connections/default/oauth/start', {});
    await admin.call('POST', '/v1/connections/default/oauth/start', {
      returnUrl: 'https://acme.lightning.force.com/lightning/n/Jira_Setup',
    });
    await admin.call('DELETE', '/v1/connections/default');
    await admin.call('POST', '/v1/connections/missing/test');

    const validator = new RelayContractValidator(doc);
    expect(admin.exchanges.length).toBeGreaterThanOrEqual(8);
    expect(validator.checkAll(admin.exchanges)).toEqual([]);
  });
});
