import { createApp } from '../../src/app';
import { MAX_JSON_DEPTH, MAX_JSON_OBJECT_MEMBERS } from '../../src/http/json-body';
import { BULK_CREATE_LIMIT } from '../../src/jira/endpoints/issue-create';
import { PROBLEM_LIST_LIMIT, errorCatalog } from '../../src/lib/errors';
import {
  MAX_FILTERS_PER_TAG,
  MAX_MERGED_CHARACTERS,
  MAX_MERGE_FIELDS,
} from '../../src/templates/merge-fields';
import {
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENT_EXTENSIONS,
  MAX_ATTACHMENT_FILES,
  MAX_FIELD_MAPPINGS,
  MAX_RECORD_DEPTH,
  MAX_RECORD_FIELDS,
  MAX_VALUE_MAP_ENTRIES,
} from '../../src/templates/template-schema';
import { MAX_PROBLEMS_PER_FIELD } from '../../src/templates/value-shaping';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { AdminClient } from '../support/connections';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import {
  RelayContractValidator,
  documentedRoutes,
  loadRelayOpenApi,
  servedRoutes,
} from '../support/relay-openapi';
import { MAX_HEALTH_TEMPLATES } from '../../src/operations/health';
import { HEALTH_CHECKS_PER_MINUTE } from '../../src/http/routes/tenant-health';

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

  it('when the code knows an error code then the document lists it, and nothing else', () => {
    const problem = (doc.components as { schemas: Record<string, unknown> }).schemas.Problem as {
      properties: { code: { enum: string[] } };
    };
    expect([...problem.properties.code.enum].sort()).toEqual(Object.keys(errorCatalog).sort());
  });

  it('when the code enforces a limit on request content then the document states the same value', () => {
    const limits = (doc as unknown as { 'x-limits': Record<string, number> })['x-limits'];
    expect(limits).toEqual({
      jsonDepth: MAX_JSON_DEPTH,
      jsonObjectMembers: MAX_JSON_OBJECT_MEMBERS,
      mergeFieldsPerTemplate: MAX_MERGE_FIELDS,
      filtersPerMergeField: MAX_FILTERS_PER_TAG,
      fieldMappingsPerTemplate: MAX_FIELD_MAPPINGS,
      valueMapEntriesPerTemplate: MAX_VALUE_MAP_ENTRIES,
      fieldsPerRecord: MAX_RECORD_FIELDS,
      relationshipLevels: MAX_RECORD_DEPTH - 1,
      mergedCharactersPerRecord: MAX_MERGED_CHARACTERS,
      recordsPerBulkCreate: BULK_CREATE_LIMIT,
      problemListEntries: PROBLEM_LIST_LIMIT,
      problemsPerField: MAX_PROBLEMS_PER_FIELD,
      filesPerRequest: MAX_ATTACHMENT_FILES,
      extensionsPerTemplate: MAX_ATTACHMENT_EXTENSIONS,
      attachmentBytes: MAX_ATTACHMENT_BYTES,
      templatesPerHealthCheck: MAX_HEALTH_TEMPLATES,
      healthChecksPerMinute: HEALTH_CHECKS_PER_MINUTE,
    });
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
