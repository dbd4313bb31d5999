import { RelayContractValidator } from '../support/relay-openapi';
import {
  DEPLOYMENTS,
  USER,
  auditEventsOf,
  caseRecord,
  incidentTemplate,
  newKey,
  newRecordId,
  routesOf,
  startCreateWorld,
  type CreateWorld,
} from './create-fixtures';

describe.each(DEPLOYMENTS)('previewing a template against a record on %s', (deployment) => {
  let world: CreateWorld;
  const routes = routesOf(deployment);
  const double = () => world.double(deployment);
  const template = (overrides: Record<string, unknown> = {}) =>
    incidentTemplate(world.connection(deployment), overrides);
  const preview = (body: unknown) => world.call('POST', '/v1/templates/preview', body);

  beforeAll(async () => {
    world = await startCreateWorld();
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    world.relay.services.createMeta.clear();
    double().resetCounters();
  });

  it('when previewed and then created then Jira receives exactly the payload the preview showed', async () => {
    const body = { template: template(), record: caseRecord(newRecordId()), user: USER };
    const shown = await preview(body);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ problems: [], ready: true, deployment });
    expect(double().callsTo(routes.create)).toBe(0);

    const created = await world.call('POST', '/v1/issues', body, { 'Idempotency-Key': newKey() });
    expect(created.status).toBe(201);
    expect(double().bodiesOf(routes.create)).toEqual([shown.body.payload]);
    expect(created.body.fieldsSent).toEqual(shown.body.fieldsSent);
    const links = double().bodiesOf(routes.remoteLink);
    expect(links).toEqual([shown.body.remoteLink]);
  });

  it('when the payload is previewed then values are shaped for the deployment', async () => {
    const withAssignee = template({
      fields: [
        ...template().fields,
        { jiraField: 'assignee', value: '{{Owner.Jira_User__c}}' },
        { jiraField: 'customfield_10065', value: '*bold* {{Description}}' },
      ],
    });
    const jiraUser = deployment === 'cloud' ? '5b10a2844c20165700ede21g' : 'ada';
    const shown = await preview({
      template: withAssignee,
      record: caseRecord(newRecordId(), { Owner: { Jira_User__c: jiraUser } }),
    });
    const fields = (shown.body.payload as { fields: Record<string, unknown> }).fields;
    expect(fields).toMatchObject({
      project: { key: 'OPS' },
      issuetype: { id: '10010' },
      priority: { name: 'Highest' },
      customfield_10060: { value: 'Major' },
      components: [{ name: 'Checkout' }],
      customfield_10062: [{ value: 'Production' }, { value: 'Staging' }],
      customfield_10061: 1200,
      duedate: '2026-12-01',
    });
    if (deployment === 'cloud') {
      expect(fields.assignee).toEqual({ accountId: jiraUser });
      expect(fields.description).toMatchObject({ type: 'doc', version: 1 });
      expect(JSON.stringify(fields.description)).toContain('"type":"link"');
    } else {
      expect(fields.assignee).toEqual({ name: jiraUser });
      // Salesforce text cannot inject wiki markup.
      expect(fields.customfield_10065).not.toMatch(/^\*bold\*/);
    }
  });

  it('when several fields are wrong then every problem is listed at once and nothing is created', async () => {
    const fields = template().fields.filter((f) => f.jiraField !== 'customfield_10060');
    const record = caseRecord(newRecordId(), { Component__c: 'Kitchen', Affected__c: 'lots' });
    delete (record.fields as Record<string, unknown>).Impact__c;
    const shown = await preview({
      template: template({ fields: [...fields, { jiraField: 'customfield_99999', value: 'x' }] }),
      record,
    });
    expect(shown.status).toBe(200);
    expect(shown.body.ready).toBe(false);
    const problems = shown.body.problems as { field: string; code: string }[];
    expect(problems.map((p) => [p.field, p.code]).sort()).toEqual(
      [
        ['components', 'VALUE_NOT_ALLOWED'],
        ['customfield_10060', 'FIELD_REQUIRED'],
        ['customfield_10061', 'VALUE_INVALID'],
        ['customfield_99999', 'FIELD_UNKNOWN'],
      ].sort(),
    );
    expect(double().callsTo(routes.create)).toBe(0);
  });

  it('when the issue type is not in the project then TEMPLATE_INVALID names it and lists the offered types', async () => {
    const shown = await preview({
      template: template({ issueType: 'Epic' }),
      record: caseRecord(newRecordId()),
    });
    expect(shown.status).toBe(400);
    expect(shown.body).toMatchObject({
      code: 'TEMPLATE_INVALID',
      fieldErrors: [expect.objectContaining({ field: 'template.issueType' })],
    });
    expect(shown.body.detail).toContain('Incident (10010)');
  });

  it('when the template names the issue type by id then it resolves the same', async () => {
    const shown = await preview({
      template: template({ issueType: '10010' }),
      record: caseRecord(newRecordId()),
    });
    expect(shown.body).toMatchObject({ issueType: { id: '10010', name: 'Incident' } });
  });

  it('when the record data is incomplete then TEMPLATE_DATA_MISSING is answered without calling Jira', async () => {
    const record = caseRecord(newRecordId());
    delete (record.fields as Record<string, unknown>).Account;
    const shown = await preview({ template: template(), record });
    expect(shown.body).toMatchObject({ code: 'TEMPLATE_DATA_MISSING', missing: ['Account.Name'] });
    expect(double().jiraCalls).toBe(0);
  });

  it('when previewed then no audit event is written (a preview is a read)', async () => {
    const shown = await preview({ template: template(), record: caseRecord(newRecordId()) });
    expect(await auditEventsOf(world.relay, shown.headers.get('x-request-id')!)).toEqual([]);
  });

  it('then every request and response matched the Jira and relay OpenAPI documents', () => {
    expect(world.cloud.violations).toEqual([]);
    expect(world.server.violations).toEqual([]);
    expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
  });
});
