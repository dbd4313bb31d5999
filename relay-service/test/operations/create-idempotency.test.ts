import { CREATE_SCOPE } from '../../src/operations/create';
import { requestFingerprint } from '../../src/operations/idempotency';
import { ORG_ID } from '../support/relay';
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

/** The Idempotency-Key rules hold in the store, so they are proven on both engines. */
describe.each(ENGINES)('creating issues under an Idempotency-Key on %s', (engine) => {
  let world: CreateWorld;

  beforeAll(async () => {
    world = await startCreateWorld({ engine });
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    world.cloud.resetCounters();
    world.server.resetCounters();
  });

  describe.each(DEPLOYMENTS)('against %s', (deployment) => {
    const routes = routesOf(deployment);
    const double = () => world.double(deployment);
    const body = () => ({
      template: incidentTemplate(world.connection(deployment)),
      record: caseRecord(newRecordId()),
    });
    const create = (payload: unknown, key: string) =>
      world.call('POST', '/v1/issues', payload, { 'Idempotency-Key': key });

    it('when a user double-clicks (two concurrent requests, one key) then exactly one Jira issue is created', async () => {
      const payload = body();
      const key = newKey();
      const before = double().model.issues.size;
      // Slow Jira down so the second click arrives while the first is still creating.
      double().faults.add({ route: routes.create, kind: 'delay', ms: 300 });
      const answers = await Promise.all([create(payload, key), create(payload, key)]);

      expect(double().callsTo(routes.create)).toBe(1);
      expect(double().model.issues.size).toBe(before + 1);
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses[0]).toBe(201);
      const other = answers.find((a) => a !== answers.find((x) => x.status === 201))!;
      if (other.status === 409) {
        expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_IN_FLIGHT' });
        expect(other.headers.get('retry-after')).toMatch(/^\d+$/);
      } else {
        expect(other.body).toEqual(answers.find((a) => a.status === 201)!.body);
      }
    });

    it('when an earlier attempt died holding the key then a retry answers outcome-unknown instead of creating again', async () => {
      const payload = body();
      const key = newKey();
      // What a relay killed between its Jira create and its commit leaves behind.
      const past = Date.now() - 60 * 60 * 1000;
      await world.relay.services.store.db
        .insertInto('idempotency_records')
        .values({
          org_id: ORG_ID,
          scope: CREATE_SCOPE,
          idempotency_key: key,
          fingerprint: requestFingerprint(payload),
          state: 'in_flight',
          response_status: null,
          response_body: null,
          lease_until: past,
          created_at: past,
          expires_at: Date.now() + 60 * 60 * 1000,
        })
        .execute();

      const first = await create(payload, key);
      expect(first.status).toBe(502);
      expect(first.body).toMatchObject({ code: 'JIRA_UNAVAILABLE', outcomeUnknown: true });
      expect(double().callsTo(routes.create)).toBe(0);
      const [event] = await auditEventsOf(world.relay, first.headers.get('x-request-id') as string);
      expect(event).toMatchObject({
        operation: 'Create',
        outcome: 'Failed',
        errorCode: 'JIRA_UNAVAILABLE',
      });

      const again = await create(payload, key);
      expect(again.status).toBe(502);
      expect(again.body).toMatchObject({ code: 'JIRA_UNAVAILABLE', outcomeUnknown: true });
      expect(double().callsTo(routes.create)).toBe(0);
    });

    it('when the same key and body come again then the first answer is replayed without calling Jira', async () => {
      const payload = body();
      const key = newKey();
      const first = await create(payload, key);
      expect(first.status).toBe(201);
      double().resetCounters();

      const again = await create(payload, key);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(double().jiraCalls).toBe(0);
      // The replay changed nothing, so it adds no audit event of its own.
      expect(await auditEventsOf(world.relay, again.headers.get('x-request-id')!)).toEqual([]);
    });

    it('when the same key comes with another body then IDEMPOTENCY_CONFLICT is answered and nothing is created', async () => {
      const key = newKey();
      await create(body(), key);
      double().resetCounters();
      const other = await create(body(), key);
      expect(other.status).toBe(409);
      expect(other.body).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT' });
      expect(double().jiraCalls).toBe(0);
      expect(await auditEventsOf(world.relay, other.headers.get('x-request-id')!)).toEqual([
        expect.objectContaining({ outcome: 'Failed', errorCode: 'IDEMPOTENCY_CONFLICT' }),
      ]);
    });

    it('when an issue is created then its stored answer and its audit event are committed together', async () => {
      const key = newKey();
      const answer = await create(body(), key);
      const stored = await world.relay.services.store.db
        .selectFrom('idempotency_records')
        .selectAll()
        .where('idempotency_key', '=', key)
        .executeTakeFirstOrThrow();
      expect(stored.state).toBe('done');
      expect(JSON.parse(stored.response_body ?? 'null')).toEqual(answer.body);
      expect(await auditEventsOf(world.relay, answer.headers.get('x-request-id')!)).toHaveLength(1);
    });
  });

  it('then every call and answer matched relay-service/openapi.yaml', () => {
    expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
  });
});
