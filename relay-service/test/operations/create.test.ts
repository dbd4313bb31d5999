import { HTTPS_SITE } from '../support/connections';
import { RelayContractValidator } from '../support/relay-openapi';
import { recordGlobalId, upsertRemoteLink } from '../../src/jira/endpoints/remote-links';
import { ORG_ID } from '../support/relay';
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

describe.each(DEPLOYMENTS)('creating one Jira issue from a template on %s', (deployment) => {
  let world: CreateWorld;
  const routes = routesOf(deployment);
  const double = () => world.double(deployment);
  const template = (overrides: Record<string, unknown> = {}) =>
    incidentTemplate(world.connection(deployment), overrides);
  const create = (body: unknown, key = newKey()) =>
    world.call('POST', '/v1/issues', body, { 'Idempotency-Key': key });

  beforeAll(async () => {
    world = await startCreateWorld();
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    world.relay.services.createMeta.clear();
    double().resetCounters();
    double().faults.clear();
  });

  it('when a record is created then Jira gets one issue with shaped fields and a remote link, and the answer names it', async () => {
    const record = caseRecord(newRecordId());
    const answer = await create({ template: template(), record, user: USER });

    expect(answer.status).toBe(201);
    const issue = answer.body.issue as { key: string; id: string; url: string };
    expect(issue.key).toMatch(/^OPS-\d+$/);
    expect(issue.url).toBe(`${HTTPS_SITE[deployment]}/browse/${issue.key}`);
    expect(answer.body).toMatchObject({
      fieldsSent: [
        'project',
        'issuetype',
        'summary',
        'description',
        'priority',
        'customfield_10060',
        'labels',
        'components',
        'duedate',
        'customfield_10061',
        'customfield_10062',
        'customfield_10064',
      ],
      remoteLink: true,
    });
    expect(answer.body.warnings).toBeUndefined();

    const stored = double().model.issue(issue.key)!;
    expect(stored.fields).toMatchObject({
      summary: 'Checkout fails for EU customers',
      priority: { name: 'Highest' },
      customfield_10060: { value: 'Major' },
      labels: ['salesforce', 'Checkout', 'Web'],
      components: [{ name: 'Checkout' }],
      duedate: '2026-12-01',
      customfield_10061: 1200,
      customfield_10062: [{ value: 'Production' }, { value: 'Staging' }],
      customfield_10064: '00001026',
    });
    if (deployment === 'cloud') {
      expect(stored.fields.description).toMatchObject({ type: 'doc', version: 1 });
    } else {
      expect(typeof stored.fields.description).toBe('string');
    }
    expect(stored.remoteLinks).toEqual([
      expect.objectContaining({
        globalId: recordGlobalId(ORG_ID, record.id),
        object: expect.objectContaining({ url: record.url }),
      }),
    ]);
    // Create metadata (issue types + fields), the create itself, the remote link: nothing else.
    expect(double().callsTo(routes.issueTypes)).toBe(1);
    expect(double().callsTo(routes.fields)).toBe(1);
    expect(double().callsTo(routes.create)).toBe(1);
    expect(double().callsTo(routes.remoteLink)).toBe(1);
    expect(double().jiraCalls).toBe(4);
  });

  it('when the create screen spans several pages then every page is read and joined', async () => {
    double().model.pageCap = 4;
    try {
      const answer = await create({ template: template(), record: caseRecord(newRecordId()) });
      expect(answer.status).toBe(201);
      // 16 fields at 4 per page.
      expect(double().callsTo(routes.fields)).toBe(4);
    } finally {
      double().model.pageCap = 50;
    }
  });

  it('when the same template creates again then the cached create metadata is used (0 createmeta calls)', async () => {
    await create({ template: template(), record: caseRecord(newRecordId()) });
    double().resetCounters();
    const second = await create({ template: template(), record: caseRecord(newRecordId()) });
    expect(second.status).toBe(201);
    expect(double().callsTo(routes.issueTypes)).toBe(0);
    expect(double().callsTo(routes.fields)).toBe(0);
    expect(double().callsTo(routes.create)).toBe(1);
  });

  it('when the template references a field the record data lacks then TEMPLATE_DATA_MISSING is answered and Jira is not called', async () => {
    const record = caseRecord(newRecordId());
    delete (record.fields as Record<string, unknown>).Impact__c;
    const answer = await create({ template: template(), record });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'TEMPLATE_DATA_MISSING', missing: ['Impact__c'] });
    expect(double().jiraCalls).toBe(0);
  });

  it('when the record data holds a field the template does not reference then TEMPLATE_DATA_UNMAPPED is answered and Jira is not called', async () => {
    const record = caseRecord(newRecordId(), { SuppliedEmail: 'jane@globex.example' });
    const answer = await create({ template: template(), record });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 'TEMPLATE_DATA_UNMAPPED',
      unmapped: ['SuppliedEmail'],
    });
    expect(double().jiraCalls).toBe(0);
    expect(JSON.stringify(answer.body)).not.toContain('jane@globex.example');
  });

  it('when a field Jira requires is not mapped then the create is refused naming it and nothing is created', async () => {
    const fields = template().fields.filter((f) => f.jiraField !== 'customfield_10060');
    const record = caseRecord(newRecordId());
    delete (record.fields as Record<string, unknown>).Impact__c;
    const answer = await create({ template: template({ fields }), record });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 'TEMPLATE_INVALID',
      problems: [expect.objectContaining({ field: 'customfield_10060', code: 'FIELD_REQUIRED' })],
    });
    expect(double().callsTo(routes.create)).toBe(0);
  });

  it('when a value is not among the allowed values then the create is refused naming the field', async () => {
    const answer = await create({
      template: template(),
      record: caseRecord(newRecordId(), { Impact__c: 'Catastrophic' }),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 'TEMPLATE_INVALID',
      problems: [
        expect.objectContaining({
          field: 'customfield_10060',
          code: 'VALUE_NOT_ALLOWED',
          message: expect.stringContaining('Catastrophic'),
        }),
      ],
    });
    expect(double().callsTo(routes.create)).toBe(0);
  });

  it('when the Idempotency-Key header is missing then the request is refused before anything happens', async () => {
    const answer = await world.call('POST', '/v1/issues', {
      template: template(),
      record: caseRecord(newRecordId()),
    });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      code: 'VALIDATION_FAILED',
      fieldErrors: [expect.objectContaining({ field: 'header.Idempotency-Key' })],
    });
    expect(double().jiraCalls).toBe(0);
  });

  it.each([
    [403, 'JIRA_FORBIDDEN', 403],
    [404, 'JIRA_NOT_FOUND', 404],
    [400, 'JIRA_VALIDATION', 422],
  ])(
    'when Jira answers %i to the create then %s is answered and the key may be used again',
    async (jiraStatus, code, status) => {
      const body = { template: template(), record: caseRecord(newRecordId()) };
      const key = newKey();
      double().faults.add({
        route: routes.create,
        kind: 'status',
        status: jiraStatus,
        body: { errorMessages: [], errors: { customfield_10060: 'Refused by Jira' } },
      });
      const refused = await create(body, key);
      expect(refused.status).toBe(status);
      expect(refused.body).toMatchObject({ code, jiraStatus });
      expect(double().callsTo(routes.create)).toBe(1);

      // Jira refused it, so nothing exists: the same key runs again and creates the issue.
      const retried = await create(body, key);
      expect(retried.status).toBe(201);
      expect(double().callsTo(routes.create)).toBe(2);
    },
  );

  it('when the connection breaks after the create was sent then the outcome is unknown and the key never creates a second issue', async () => {
    const body = { template: template(), record: caseRecord(newRecordId()) };
    const key = newKey();
    double().faults.add({ route: routes.create, kind: 'reset' });
    const first = await create(body, key);
    expect(first.status).toBe(502);
    expect(first.body).toMatchObject({ code: 'JIRA_UNAVAILABLE', outcomeUnknown: true });
    expect(first.body.detail).toContain('check Jira');

    const retried = await create(body, key);
    expect(retried.status).toBe(502);
    expect(retried.body).toMatchObject({ code: 'JIRA_UNAVAILABLE', outcomeUnknown: true });
    // The transport does not repeat a create that may have reached Jira, nor does the retry.
    expect(double().callsTo(routes.create)).toBe(1);
  });

  it('when the same record is linked again then Jira keeps one remote link (globalId upsert, 15- or 18-character id)', async () => {
    const record = caseRecord(newRecordId());
    const answer = await create({ template: template(), record });
    const key = (answer.body.issue as { key: string }).key;

    const client = await world.relay.services.jira.clientFor(ORG_ID, world.connection(deployment));
    const again = await upsertRemoteLink(client, key, {
      globalId: recordGlobalId(ORG_ID, record.id.slice(0, 15)),
      url: record.url,
      title: 'Salesforce Case (again)',
    });
    expect(again.created).toBe(false);
    const links = double().model.issue(key)!.remoteLinks;
    expect(links).toHaveLength(1);
    expect(links[0]?.object).toMatchObject({ title: 'Salesforce Case (again)' });
  });

  it('when the remote link cannot be added then the issue is still reported, with a warning', async () => {
    double().faults.add({ route: routes.remoteLink, kind: 'status', status: 403 });
    const answer = await create({ template: template(), record: caseRecord(newRecordId()) });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      remoteLink: false,
      warnings: [expect.stringContaining('JIRA_FORBIDDEN')],
    });
  });

  it('when the template does not ask for a remote link then none is added', async () => {
    const answer = await create({
      template: template({ remoteLink: false }),
      record: caseRecord(newRecordId()),
    });
    expect(answer.body.remoteLink).toBe(false);
    expect(double().callsTo(routes.remoteLink)).toBe(0);
  });

  it('when Jira refuses a create with a 400 about fields then the cached create screen is dropped and read again', async () => {
    // Fill the cache, then change the screen in Jira behind the relay's back.
    await create({ template: template(), record: caseRecord(newRecordId()) });
    const fields = double().model.project('OPS')!.issueTypes[0]!.fields;
    fields.push({
      fieldId: 'customfield_10070',
      name: 'Region',
      required: true,
      schema: {
        type: 'string',
        custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield',
      },
      operations: ['set'],
    });
    try {
      double().resetCounters();
      const stale = await create({ template: template(), record: caseRecord(newRecordId()) });
      expect(stale.status).toBe(422);
      expect(stale.body).toMatchObject({
        code: 'JIRA_VALIDATION',
        fieldErrors: [expect.objectContaining({ field: 'customfield_10070' })],
      });
      expect(double().callsTo(routes.fields)).toBe(0);

      const fresh = await create({ template: template(), record: caseRecord(newRecordId()) });
      expect(double().callsTo(routes.fields)).toBe(1);
      expect(fresh.body).toMatchObject({
        code: 'TEMPLATE_INVALID',
        problems: [expect.objectContaining({ field: 'customfield_10070', code: 'FIELD_REQUIRED' })],
      });
      expect(double().callsTo(routes.create)).toBe(1);
    } finally {
      fields.pop();
      world.relay.services.createMeta.clear();
    }
  });

  it('when an issue is created then one audit event names the field ids sent and never their values', async () => {
    const record = caseRecord(newRecordId());
    const answer = await create({ template: template(), record, user: USER });
    const requestId = answer.headers.get('x-request-id')!;
    const events = await auditEventsOf(world.relay, requestId);
    expect(events).toEqual([
      expect.objectContaining({
        operation: 'Create',
        outcome: 'Success',
        recordId: record.id,
        issueKey: (answer.body.issue as { key: string }).key,
        connection: world.connection(deployment),
        templateId: template().id,
        fieldsSent: answer.body.fieldsSent,
        jiraStatus: 201,
        errorCode: null,
      }),
    ]);
    const text = JSON.stringify(events);
    for (const value of ['Checkout fails', 'Globex', 'Major', '00001026', 'every card payment'])
      expect(text).not.toContain(value);
  });

  it('when a create is refused then the audit event records the failure and its code', async () => {
    const answer = await create({
      template: template(),
      record: caseRecord(newRecordId(), { Impact__c: 'Catastrophic' }),
    });
    const events = await auditEventsOf(world.relay, answer.headers.get('x-request-id')!);
    expect(events).toEqual([
      expect.objectContaining({
        operation: 'Create',
        outcome: 'Failed',
        errorCode: 'TEMPLATE_INVALID',
        issueKey: null,
      }),
    ]);
    expect(JSON.stringify(events)).not.toContain('Catastrophic"');
  });

  it('then every request and response matched the Jira and relay OpenAPI documents', () => {
    expect(world.cloud.violations).toEqual([]);
    expect(world.server.violations).toEqual([]);
    expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
  });
});
