import { HTTPS_SITE } from '../support/connections';
import { RelayContractValidator } from '../support/relay-openapi';
import { ENGINES } from '../support/stores';
import {
  DEPLOYMENTS,
  auditEventsOf,
  caseRecord,
  incidentTemplate,
  newKey,
  newRecordId,
  routesOf,
  startCreateWorld,
  type CreateWorld,
} from './create-fixtures';

interface BulkResult {
  recordId: string | null;
  issue?: { key: string; id: string; url: string };
  problem?: { code: string; requestId: string; detail: string; fieldErrors?: unknown[] };
  remoteLink?: boolean;
}

describe.each(ENGINES)('creating issues for many records in one call on %s', (engine) => {
  let world: CreateWorld;

  beforeAll(async () => {
    world = await startCreateWorld({ engine });
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    world.relay.services.createMeta.clear();
    world.cloud.resetCounters();
    world.server.resetCounters();
  });

  describe.each(DEPLOYMENTS)('against %s', (deployment) => {
    const routes = routesOf(deployment);
    const double = () => world.double(deployment);
    const template = () => incidentTemplate(world.connection(deployment));
    const bulk = (body: unknown, key = newKey()) =>
      world.call('POST', '/v1/issues/bulk', body, { 'Idempotency-Key': key });

    it('when one record fails its checks and Jira refuses another then the rest are created in one Jira call and each failure is reported per record', async () => {
      const good = caseRecord(newRecordId());
      const unmapped = caseRecord(newRecordId(), { SuppliedEmail: 'jane@globex.example' });
      const refusedByJira = caseRecord(newRecordId(), { Environments__c: 'Sandbox' });
      const alsoGood = caseRecord(newRecordId(), { Impact__c: 'Minor' });
      // Warm the cache, then withdraw "Sandbox" in Jira: only Jira can refuse it now.
      await world.call('POST', '/v1/templates/preview', { template: template(), record: good });
      const environments = double()
        .model.project('OPS')!
        .issueTypes[0]!.fields.find((f) => f.fieldId === 'customfield_10062')!;
      const sandbox = environments.allowedValues!.pop()!;
      try {
        double().resetCounters();
        const answer = await bulk({
          template: template(),
          records: [good, unmapped, refusedByJira, alsoGood],
        });

        expect(answer.status).toBe(200);
        const results = answer.body.results as BulkResult[];
        expect(results.map((r) => r.recordId)).toEqual([
          good.id,
          unmapped.id,
          refusedByJira.id,
          alsoGood.id,
        ]);
        expect(results[0]).toMatchObject({
          issue: { key: expect.stringMatching(/^OPS-\d+$/) },
          remoteLink: true,
        });
        expect(results[1]?.problem).toMatchObject({ code: 'TEMPLATE_DATA_UNMAPPED' });
        expect(results[2]?.problem).toMatchObject({
          code: 'JIRA_VALIDATION',
          fieldErrors: [expect.objectContaining({ field: 'customfield_10062' })],
        });
        expect(results[3]?.issue?.url).toBe(
          `${HTTPS_SITE[deployment]}/browse/${results[3]?.issue?.key}`,
        );

        // One bulk call holding only the three records that passed the relay's checks.
        expect(double().callsTo(routes.bulk)).toBe(1);
        expect(double().callsTo(routes.create)).toBe(0);
        const sent = double().bodiesOf(routes.bulk)[0] as { issueUpdates: unknown[] };
        expect(sent.issueUpdates).toHaveLength(3);
        expect(JSON.stringify(sent)).not.toContain('jane@globex.example');
        expect(double().callsTo(routes.remoteLink)).toBe(2);

        // One audit event per record, `<requestId>:<n>`.
        const requestId = answer.headers.get('x-request-id')!;
        const events = await auditEventsOf(world.relay, requestId);
        expect(events.map((e) => [e.requestId, e.operation, e.outcome, e.errorCode])).toEqual([
          [`${requestId}:0`, 'BulkCreate', 'Success', null],
          [`${requestId}:1`, 'BulkCreate', 'Denied', 'TEMPLATE_DATA_UNMAPPED'],
          [`${requestId}:2`, 'BulkCreate', 'Failed', 'JIRA_VALIDATION'],
          [`${requestId}:3`, 'BulkCreate', 'Success', null],
        ]);
        expect(results[2]?.problem?.requestId).toBe(`${requestId}:2`);
        expect(events[0]).toMatchObject({ recordId: good.id, issueKey: results[0]?.issue?.key });
        expect(JSON.stringify(events)).not.toContain('Checkout fails');

        // Jira's 400 about a field dropped the cached create screen.
        double().resetCounters();
        await world.call('POST', '/v1/templates/preview', { template: template(), record: good });
        expect(double().callsTo(routes.fields)).toBe(1);
      } finally {
        environments.allowedValues!.push(sandbox);
        world.relay.services.createMeta.clear();
      }
    });

    it('when the same batch is sent again under its key then the first results are replayed without calling Jira', async () => {
      const body = { template: template(), records: [caseRecord(newRecordId())] };
      const key = newKey();
      const first = await bulk(body, key);
      double().resetCounters();
      const again = await bulk(body, key);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(double().jiraCalls).toBe(0);

      const other = await bulk({ ...body, records: [caseRecord(newRecordId())] }, key);
      expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
    });

    it('when no record passes its checks then Jira is not called and every record is reported', async () => {
      const missing = caseRecord(newRecordId());
      delete (missing.fields as Record<string, unknown>).Subject;
      const answer = await bulk({
        template: template(),
        records: [missing, caseRecord(newRecordId(), { Impact__c: 'Catastrophic' })],
      });
      expect(answer.status).toBe(200);
      const results = answer.body.results as BulkResult[];
      expect(results.map((r) => r.problem?.code)).toEqual([
        'TEMPLATE_DATA_MISSING',
        'TEMPLATE_INVALID',
      ]);
      expect(double().callsTo(routes.bulk)).toBe(0);
      expect(double().callsTo(routes.create)).toBe(0);
    });

    it('when Jira refuses every issue of the call (400 with per-issue errors) then each record gets its own problem', async () => {
      const record = caseRecord(newRecordId(), { Environments__c: 'Sandbox' });
      await world.call('POST', '/v1/templates/preview', { template: template(), record });
      const environments = double()
        .model.project('OPS')!
        .issueTypes[0]!.fields.find((f) => f.fieldId === 'customfield_10062')!;
      const sandbox = environments.allowedValues!.pop()!;
      try {
        const answer = await bulk({ template: template(), records: [record] });
        expect(answer.status).toBe(200);
        expect((answer.body.results as BulkResult[])[0]).toMatchObject({
          recordId: record.id,
          problem: {
            code: 'JIRA_VALIDATION',
            detail: expect.stringContaining('customfield_10062'),
          },
        });
      } finally {
        environments.allowedValues!.push(sandbox);
        world.relay.services.createMeta.clear();
      }
    });

    it('when more than 50 records are sent then the request is refused before anything happens', async () => {
      const records = Array.from({ length: 51 }, () => caseRecord(newRecordId()));
      const answer = await bulk({ template: template(), records });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(double().jiraCalls).toBe(0);
    });

    it('when Jira refuses the whole bulk call then the error is answered and the key may be used again', async () => {
      const body = { template: template(), records: [caseRecord(newRecordId())] };
      const key = newKey();
      double().faults.add({ route: routes.bulk, kind: 'status', status: 403 });
      const refused = await bulk(body, key);
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ code: 'JIRA_FORBIDDEN' });
      const retried = await bulk(body, key);
      expect(retried.status).toBe(200);
      expect((retried.body.results as BulkResult[])[0]?.issue).toBeDefined();
    });

    it('then every request and response matched the Jira and relay OpenAPI documents', () => {
      expect(world.cloud.violations).toEqual([]);
      expect(world.server.violations).toEqual([]);
      expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
    });
  });
});
