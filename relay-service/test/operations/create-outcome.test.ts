import type { FaultKind } from '../support/jira-double';
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

/**
 * A create that may have reached Jira must never be sent again under the same key. Each fault
 * here lets Jira create the issue(s) and then fails the answer — an error status, or no answer
 * before the relay's timeout — as a failing proxy or an overloaded Jira does. The relay must
 * answer "outcome unknown", keep that answer under the key, and send no second create.
 */

/** The relay gives up on a Jira call after this long; the slow answers come later. */
const JIRA_TIMEOUT_MS = 1_500;

const FAILED_ANSWERS: [string, FaultKind][] = [
  ['a 500', { kind: 'afterHandling', status: 500 }],
  ['a 502', { kind: 'afterHandling', status: 502 }],
  ['a 503', { kind: 'afterHandling', status: 503 }],
  ['a 504', { kind: 'afterHandling', status: 504 }],
  ['no answer before the timeout', { kind: 'afterHandling', delayMs: JIRA_TIMEOUT_MS * 4 }],
];

describe.each(ENGINES)('a create whose outcome Jira did not confirm, on %s', (engine) => {
  let world: CreateWorld;

  beforeAll(async () => {
    world = await startCreateWorld({ engine, jiraTransport: { totalTimeoutMs: JIRA_TIMEOUT_MS } });
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    world.cloud.resetCounters();
    world.server.resetCounters();
  });

  describe.each(DEPLOYMENTS)('against %s', (deployment) => {
    const routes = routesOf(deployment);
    const double = () => world.double(deployment);
    const template = () => incidentTemplate(world.connection(deployment));
    const post = (path: string, body: unknown, key: string) =>
      world.call('POST', path, body, { 'Idempotency-Key': key });

    it.each(FAILED_ANSWERS)(
      'when Jira creates the issue but the relay gets %s then the outcome is unknown and a retry under the key sends no second create',
      async (_what, fault) => {
        const body = { template: template(), record: caseRecord(newRecordId()) };
        const key = newKey();
        const issuesBefore = double().model.issues.size;
        double().faults.add({ route: routes.create, ...fault });

        const first = await post('/v1/issues', body, key);
        expect(first.status).toBe(502);
        expect(first.body).toMatchObject({ code: 'JIRA_UNAVAILABLE', outcomeUnknown: true });
        expect(first.body.detail).toContain('check Jira');
        const [event] = await auditEventsOf(world.relay, first.headers.get('x-request-id')!);
        expect(event).toMatchObject({ operation: 'Create', errorCode: 'JIRA_UNAVAILABLE' });

        const retried = await post('/v1/issues', body, key);
        expect(retried.status).toBe(502);
        expect(retried.body).toMatchObject({
          code: 'JIRA_UNAVAILABLE',
          outcomeUnknown: true,
          replayed: true,
        });
        expect(double().callsTo(routes.create)).toBe(1);
        expect(double().model.issues.size).toBe(issuesBefore + 1);
      },
    );

    it.each(FAILED_ANSWERS)(
      'when Jira creates a batch but the relay gets %s then the outcome is unknown and a retry under the key sends no second bulk create',
      async (_what, fault) => {
        const body = {
          template: template(),
          records: [caseRecord(newRecordId()), caseRecord(newRecordId())],
        };
        const key = newKey();
        const issuesBefore = double().model.issues.size;
        double().faults.add({ route: routes.bulk, ...fault });

        const first = await post('/v1/issues/bulk', body, key);
        expect(first.status).toBe(502);
        expect(first.body).toMatchObject({ code: 'JIRA_UNAVAILABLE', outcomeUnknown: true });
        const events = await auditEventsOf(world.relay, first.headers.get('x-request-id')!);
        expect(events.map((e) => e.errorCode)).toEqual(['JIRA_UNAVAILABLE', 'JIRA_UNAVAILABLE']);

        const retried = await post('/v1/issues/bulk', body, key);
        expect(retried.status).toBe(502);
        expect(retried.body).toMatchObject({ outcomeUnknown: true, replayed: true });
        expect(double().callsTo(routes.bulk)).toBe(1);
        expect(double().callsTo(routes.create)).toBe(0);
        expect(double().model.issues.size).toBe(issuesBefore + 2);
      },
    );

    it('when Jira answers 400 to a create then nothing exists and the same key creates it on retry', async () => {
      const body = { template: template(), record: caseRecord(newRecordId()) };
      const key = newKey();
      double().faults.add({ route: routes.create, kind: 'status', status: 400 });
      expect((await post('/v1/issues', body, key)).status).toBe(422);
      const retried = await post('/v1/issues', body, key);
      expect(retried.status).toBe(201);
      expect(double().callsTo(routes.create)).toBe(2);
    });
  });

  it('then every call and answer matched relay-service/openapi.yaml', () => {
    expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
  });
});
