import pino from 'pino';
import { Agent } from 'undici';
import type { AuditEvent } from '../../src/audit/audit-event';
import { AuditRecorder } from '../../src/audit/audit-recorder';
import { OutboxRepository } from '../../src/audit/outbox-repository';
import { OutboxAuditSink } from '../../src/audit/outbox-sink';
import { apiTokenAuth } from '../../src/jira/auth/api-token';
import type { JiraClient } from '../../src/jira/jira-client';
import { JiraTransport, defaultTransportSettings } from '../../src/jira/transport';
import { AppError } from '../../src/lib/errors';
import {
  BulkIssueCreator,
  bulkRequestBody,
  recordRequestBase,
} from '../../src/operations/bulk-create';
import {
  IssueCreator,
  certainlyNotCreated,
  commitOutcome,
  noteOfBody,
  outcomeUnknown,
  replay,
  type CreateDeps,
} from '../../src/operations/create';
import type { RecordFilesSource } from '../../src/operations/attachments';
import { CreateMetaCache } from '../../src/operations/create-meta-cache';
import { IdempotencyStore, requestFingerprint } from '../../src/operations/idempotency';
import { openStore, type Store } from '../../src/store/store';
import { StoreRetry } from '../../src/store/store-retry';
import * as renderTemplate from '../../src/templates/render-template';
import * as templateSchema from '../../src/templates/template-schema';
import { HTTPS_SITE } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { freshStoreLocation } from '../support/stores';
import {
  CLOUD_API_TOKEN,
  caseRecord,
  incidentTemplate,
  newKey,
  newRecordId,
  routesOf,
} from './create-fixtures';

/**
 * The create operations themselves, without a relay: IssueCreator and BulkIssueCreator on a
 * real SQLite store and a Cloud Jira double on 127.0.0.1, so each rule about an
 * Idempotency-Key's fate (released, completed, closed as "outcome unknown") is checked where it
 * is made. The relay-level tests (create*.test.ts, bulk-create.test.ts) cover the routes.
 */

const ORG = '00D5g000004Xyz1EAC';
const routes = routesOf('cloud');
/** The scopes keys are stored under (records outlive a release, so they never change). */
const CREATE_SCOPE = 'issues.create';
const BULK_SCOPE = 'issues.bulk';
/** The `impatient` connection gives up on a Jira call after this long; slow answers come later. */
const TIMEOUT_MS = 1_000;

describe('the create operations and their Idempotency-Key', () => {
  let jira: JiraDouble;
  let store: Store;
  let dispatcher: Agent;
  let deps: CreateDeps;
  let single: IssueCreator;
  let bulk: BulkIssueCreator;
  let requests = 0;
  /** What the operations logged (warnings and errors), parsed. */
  const logs: Record<string, unknown>[] = [];
  /**
   * Jira's answer (201) to a bulk create whose first record it created as `key` and whose
   * second it refused with `status` and `elementErrors`.
   */
  const bulkAnswerCreatingFirst = (
    id: string,
    key: string,
    status: number,
    elementErrors: object,
  ) => ({
    route: routes.bulk,
    kind: 'status' as const,
    status: 201,
    body: {
      issues: [{ id, key, self: `${jira.url}/rest/api/3/issue/${id}` }],
      errors: [{ failedElementNumber: 1, status, elementErrors }],
    },
  });

  beforeAll(async () => {
    jira = await startJiraDouble({ deployment: 'cloud' });
    store = openStore(await freshStoreLocation('sqlite'));
    await store.migrate();
    dispatcher = new Agent({ keepAliveTimeout: 1000 });
    const clock = { now: () => Date.now() };
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    );
    /** A client of connection `name` whose calls give up after `totalTimeoutMs`. */
    const clientOf = (name: string, totalTimeoutMs: number): JiraClient => ({
      orgId: ORG,
      connectionName: name,
      authMethod: 'api_token',
      deployment: 'cloud',
      apiPath: '/rest/api/3',
      apiBase: jira.url,
      siteUrl: HTTPS_SITE.cloud,
      scopes: [],
      identity: 'service',
      send: new JiraTransport({
        baseUrl: jira.url,
        auth: apiTokenAuth(CLOUD_API_TOKEN),
        dispatcher,
        settings: {
          ...defaultTransportSettings,
          baseDelayMs: 2,
          maxDelayMs: 10,
          totalTimeoutMs,
        },
        clock,
      }).send,
    });
    // `cloud` waits long enough for a loaded machine; `impatient` is for the timeout test.
    const clients = new Map([
      ['cloud', clientOf('cloud', 15_000)],
      ['impatient', clientOf('impatient', TIMEOUT_MS)],
    ]);
    const connectionClient = (name: string) => {
      const client = clients.get(name);
      if (!client) throw new AppError('CONNECTION_NOT_FOUND', `No ${name}`);
      return client;
    };
    deps = {
      store,
      clock,
      logger,
      jira: {
        clientFor: async (_orgId, name) => connectionClient(name),
        // These connections have no per-user identity: every caller acts as the connection.
        actingClientFor: async (_caller, name) => connectionClient(name),
      },
      createMeta: new CreateMetaCache(clock),
      idempotency: new IdempotencyStore(store, clock),
      auditRecorder: new AuditRecorder(
        new OutboxAuditSink(new OutboxRepository(store), clock, async () => true, logger),
        clock,
        logger,
      ),
    };
    single = new IssueCreator(deps);
    bulk = new BulkIssueCreator(deps);
  });
  afterAll(async () => {
    await dispatcher.close();
    await store.close();
    await jira.stop();
  });
  beforeEach(() => {
    jira.faults.clear();
    jira.resetCounters();
    logs.length = 0;
  });

  const caller = () => ({
    orgId: ORG,
    userId: '0055g00000AbCdEAAV',
    requestId: `req-${++requests}`,
  });
  const createBody = (record = caseRecord(newRecordId())) => ({
    template: incidentTemplate('cloud'),
    record,
  });
  const bulkBody = (...records: ReturnType<typeof caseRecord>[]) => ({
    template: incidentTemplate('cloud'),
    records,
  });
  const keyRow = (scope: string, key: string) =>
    store.db
      .selectFrom('idempotency_records')
      .selectAll()
      .where('org_id', '=', ORG)
      .where('scope', '=', scope)
      .where('idempotency_key', '=', key)
      .executeTakeFirst();
  const eventsOf = async (requestId: string): Promise<AuditEvent[]> =>
    (
      await store.db
        .selectFrom('audit_outbox')
        .select(['request_id', 'event'])
        .where((eb) =>
          eb.or([eb('request_id', '=', requestId), eb('request_id', 'like', `${requestId}:%`)]),
        )
        .orderBy('request_id')
        .execute()
    ).map((row) => JSON.parse(row.event) as AuditEvent);
  const failureOf = async (work: Promise<unknown>): Promise<AppError> => {
    const error: unknown = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
    return error;
  };

  describe('one issue', () => {
    it('when the issue is created then the answer names it, the key keeps that answer and one audit event is queued', async () => {
      const who = caller();
      const key = newKey();
      const body = createBody();
      const answer = await single.create(who, key, body);

      expect(answer.status).toBe(201);
      expect(answer.replayed).toBe(false);
      const issueKey = answer.body.issue.key;
      expect(answer.body).toMatchObject({
        issue: {
          key: expect.stringMatching(/^OPS-\d+$/),
          url: `${HTTPS_SITE.cloud}/browse/${issueKey}`,
        },
        remoteLink: true,
      });
      expect(answer.body.fieldsSent).toContain('summary');
      expect(answer.body.warnings).toBeUndefined();
      expect(answer.body.attachments).toBeUndefined();
      expect(jira.callsTo(routes.create)).toBe(1);
      expect(jira.callsTo(routes.remoteLink)).toBe(1);

      const row = await keyRow(CREATE_SCOPE, key);
      expect(row).toMatchObject({ state: 'done', response_status: 201 });
      expect(JSON.parse(row?.response_body ?? 'null')).toEqual(answer.body);
      expect(await eventsOf(who.requestId)).toEqual([
        expect.objectContaining({
          requestId: who.requestId,
          operation: 'Create',
          outcome: 'Success',
          issueKey,
          recordId: body.record.id,
          jiraStatus: 201,
          errorCode: null,
        }),
      ]);

      jira.resetCounters();
      const again = await single.create(caller(), key, body);
      expect(again).toEqual({ status: 201, body: answer.body, replayed: true });
      expect(jira.jiraCalls).toBe(0);
    });

    it.each([500, 502, 503, 504])(
      'when Jira creates the issue but answers %i then the outcome is unknown, the key keeps that answer and a retry sends no second create',
      async (status) => {
        const who = caller();
        const key = newKey();
        const body = createBody();
        jira.faults.add({ route: routes.create, kind: 'afterHandling', status });

        const error = await failureOf(single.create(who, key, body));
        expect(error).toMatchObject({
          code: 'JIRA_UNAVAILABLE',
          status: 502,
          jiraStatus: status,
          extra: { outcomeUnknown: true },
        });
        expect(error.detail).toMatch(/^Jira did not confirm whether the issue was created \(/);
        expect(await eventsOf(who.requestId)).toEqual([
          expect.objectContaining({ outcome: 'Failed', errorCode: 'JIRA_UNAVAILABLE' }),
        ]);
        const row = await keyRow(CREATE_SCOPE, key);
        expect(row).toMatchObject({ state: 'done', response_status: 502 });
        expect(JSON.parse(row?.response_body ?? 'null')).toEqual({
          problem: {
            code: 'JIRA_UNAVAILABLE',
            detail: error.detail,
            status: 502,
            extra: { outcomeUnknown: true },
          },
        });

        expect(logs).toEqual([
          expect.objectContaining({
            level: 50,
            msg: 'create outcome unknown; key closed so no retry can duplicate the issue',
            requestId: who.requestId,
            idempotencyKey: key,
            err: expect.objectContaining({ type: 'AppError' }),
          }),
        ]);

        const retried = await failureOf(single.create(caller(), key, body));
        expect(retried).toMatchObject({
          code: 'JIRA_UNAVAILABLE',
          status: 502,
          detail: error.detail,
          extra: { outcomeUnknown: true, replayed: true },
        });
        expect(jira.callsTo(routes.create)).toBe(1);
      },
    );

    it('when Jira creates the issue but answers after the timeout then the outcome is unknown and a retry sends no second create', async () => {
      const key = newKey();
      const body = { ...createBody(), template: incidentTemplate('impatient') };
      jira.faults.add({ route: routes.create, kind: 'afterHandling', delayMs: TIMEOUT_MS * 3 });

      const error = await failureOf(single.create(caller(), key, body));
      expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE', extra: { outcomeUnknown: true } });
      expect(error.jiraStatus).toBeUndefined();
      expect(await keyRow(CREATE_SCOPE, key)).toMatchObject({ state: 'done' });
      await expect(single.create(caller(), key, body)).rejects.toMatchObject({
        extra: { outcomeUnknown: true, replayed: true },
      });
      expect(jira.callsTo(routes.create)).toBe(1);
    });

    it('when Jira refuses the create with a 400 then the key is released, the create screen is read again and the same key creates on retry', async () => {
      const who = caller();
      const key = newKey();
      const body = createBody();
      await single.create(caller(), newKey(), createBody()); // the create screen is cached now
      jira.resetCounters();
      jira.faults.add({ route: routes.create, kind: 'status', status: 400 });

      const error = await failureOf(single.create(who, key, body));
      expect(error).toMatchObject({ code: 'JIRA_VALIDATION', jiraStatus: 400 });
      expect(await keyRow(CREATE_SCOPE, key)).toBeUndefined();
      expect(await eventsOf(who.requestId)).toEqual([
        expect.objectContaining({
          outcome: 'Failed',
          errorCode: 'JIRA_VALIDATION',
          jiraStatus: 400,
        }),
      ]);
      expect(jira.callsTo(routes.fields)).toBe(0);

      const retried = await single.create(caller(), key, body);
      expect(retried.status).toBe(201);
      expect(jira.callsTo(routes.create)).toBe(2);
      // The 400 dropped the cached create screen.
      expect(jira.callsTo(routes.fields)).toBe(1);
    });

    it('when Jira refuses the create with a 403 then the key is released and the cached create screen is kept', async () => {
      await single.create(caller(), newKey(), createBody());
      jira.resetCounters();
      const key = newKey();
      const body = createBody();
      jira.faults.add({ route: routes.create, kind: 'status', status: 403 });

      const error = await failureOf(single.create(caller(), key, body));
      expect(error.jiraStatus).toBe(403);
      expect(await keyRow(CREATE_SCOPE, key)).toBeUndefined();
      expect((await single.create(caller(), key, body)).status).toBe(201);
      expect(jira.callsTo(routes.fields)).toBe(0);
    });

    it('when Jira fails while the create screen is read then no create was sent, and the key is released', async () => {
      deps.createMeta.clear();
      const key = newKey();
      const body = createBody();
      jira.faults.add({ route: routes.issueTypes, kind: 'status', status: 500, times: 3 });

      const error = await failureOf(single.create(caller(), key, body));
      expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE', jiraStatus: 500 });
      expect(error.extra).toBeUndefined();
      expect(jira.callsTo(routes.create)).toBe(0);
      expect(await keyRow(CREATE_SCOPE, key)).toBeUndefined();
      jira.faults.clear();
      expect((await single.create(caller(), key, body)).status).toBe(201);
    });

    it('when the record data fails its checks then nothing is sent and the key is released', async () => {
      const who = caller();
      const key = newKey();
      const body = createBody(caseRecord(newRecordId(), { SuppliedEmail: 'jane@globex.example' }));

      const error = await failureOf(single.create(who, key, body));
      expect(error.code).toBe('TEMPLATE_DATA_UNMAPPED');
      expect(jira.jiraCalls).toBe(0);
      expect(await keyRow(CREATE_SCOPE, key)).toBeUndefined();
      expect(await eventsOf(who.requestId)).toEqual([
        expect.objectContaining({ outcome: 'Denied', errorCode: 'TEMPLATE_DATA_UNMAPPED' }),
      ]);
    });

    it('when the same key comes with another body then IDEMPOTENCY_CONFLICT is raised and audited, and the first answer stays', async () => {
      const key = newKey();
      const first = await single.create(caller(), key, createBody());
      jira.resetCounters();
      const who = caller();

      const error = await failureOf(single.create(who, key, createBody()));
      expect(error.code).toBe('IDEMPOTENCY_CONFLICT');
      expect(jira.jiraCalls).toBe(0);
      expect(await eventsOf(who.requestId)).toEqual([
        expect.objectContaining({ operation: 'Create', errorCode: 'IDEMPOTENCY_CONFLICT' }),
      ]);
      expect(JSON.parse((await keyRow(CREATE_SCOPE, key))?.response_body ?? 'null')).toEqual(
        first.body,
      );
    });

    it('when an earlier attempt died holding the key then the outcome is unknown, nothing is sent and the key keeps that answer', async () => {
      const key = newKey();
      const body = createBody();
      await abandon(CREATE_SCOPE, key, body);
      const who = caller();

      const error = await failureOf(single.create(who, key, body));
      expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE', extra: { outcomeUnknown: true } });
      expect(error.detail).toContain(
        'Jira did not confirm whether an earlier attempt created the issue (the relay lost track of the call)',
      );
      expect(jira.jiraCalls).toBe(0);
      expect(await eventsOf(who.requestId)).toEqual([
        expect.objectContaining({ outcome: 'Failed', errorCode: 'JIRA_UNAVAILABLE' }),
      ]);
      expect(await keyRow(CREATE_SCOPE, key)).toMatchObject({
        state: 'done',
        response_status: 502,
      });
      await expect(single.create(caller(), key, body)).rejects.toMatchObject({
        extra: { replayed: true },
      });
    });

    it('when the remote link cannot be added then the issue is still answered, with a warning naming the code', async () => {
      jira.faults.add({ route: routes.remoteLink, kind: 'status', status: 403 });
      const who = caller();
      const answer = await single.create(who, newKey(), createBody());
      expect(answer.status).toBe(201);
      expect(logs).toEqual([
        expect.objectContaining({
          level: 40,
          msg: 'remote link after create failed',
          requestId: who.requestId,
          issueKey: answer.body.issue.key,
          err: expect.objectContaining({ type: 'AppError' }),
        }),
      ]);
      expect(answer.body.remoteLink).toBe(false);
      expect(answer.body.warnings).toEqual([
        'The issue was created, but the link back to the record could not be added (JIRA_FORBIDDEN). Link it again from the record.',
      ]);
    });

    it('when the remote link fails with an unexpected error then the warning names INTERNAL', async () => {
      // A bug below the link call (not a Jira answer): the issue still exists and is answered.
      const failingLinks = (client: JiraClient): JiraClient => ({
        ...client,
        send: (request) =>
          request.path.endsWith('/remotelink')
            ? Promise.reject(new TypeError('a bug'))
            : client.send(request),
      });
      const creator = new IssueCreator({
        ...deps,
        jira: {
          clientFor: async (orgId, name) => failingLinks(await deps.jira.clientFor(orgId, name)),
          actingClientFor: async (who, name) =>
            failingLinks(await deps.jira.actingClientFor(who, name)),
        },
      });
      const answer = await creator.create(caller(), newKey(), createBody());
      expect(answer.status).toBe(201);
      expect(answer.body.remoteLink).toBe(false);
      expect(answer.body.warnings).toEqual([
        'The issue was created, but the link back to the record could not be added (INTERNAL). Link it again from the record.',
      ]);
    });

    it('when Jira refuses the create screen read with a 400 then no create was sent, the key is released and the same key creates on retry', async () => {
      // No client is known yet when this 400 comes, so there is no create screen to drop.
      deps.createMeta.clear();
      const who = caller();
      const key = newKey();
      const body = createBody();
      jira.faults.add({ route: routes.issueTypes, kind: 'status', status: 400 });

      const error = await failureOf(single.create(who, key, body));
      expect(error).toMatchObject({ code: 'JIRA_VALIDATION', jiraStatus: 400 });
      expect(jira.callsTo(routes.create)).toBe(0);
      expect(await keyRow(CREATE_SCOPE, key)).toBeUndefined();
      expect(await eventsOf(who.requestId)).toEqual([
        expect.objectContaining({ outcome: 'Failed', errorCode: 'JIRA_VALIDATION' }),
      ]);
      jira.faults.clear();
      expect((await single.create(caller(), key, body)).status).toBe(201);
    });

    it('when the store fails after Jira created the issue then the caller still gets the issue, and the operator a log line', async () => {
      const broken = openStore(await freshStoreLocation('sqlite'));
      await broken.migrate();
      await broken.close();
      const who = caller();
      const key = newKey();
      const answer = await new IssueCreator({ ...deps, store: broken }).create(
        who,
        key,
        createBody(),
      );
      expect(answer.status).toBe(201);
      expect(answer.replayed).toBe(false);
      expect(jira.callsTo(routes.create)).toBe(1);
      // The key stays in flight: only its lease's end lets a retry through.
      expect(await keyRow(CREATE_SCOPE, key)).toMatchObject({ state: 'in_flight' });
      expect(logs).toEqual([
        expect.objectContaining({
          level: 50,
          msg: 'could not commit the outcome of a create and its audit event',
          requestIds: [who.requestId],
        }),
        expect.objectContaining({
          level: 50,
          msg: 'issue created but its idempotency record was not completed',
          requestId: who.requestId,
          issueKey: answer.body.issue.key,
        }),
      ]);
    });

    it('when the request names files then they are attached after the create, and the answer and the audit event say so', async () => {
      const who = caller();
      const bytes = Buffer.from('trace lines\n');
      // Salesforce's side of the files: one file linked to the record.
      const source: RecordFilesSource = {
        describe: async (_orgId, _recordId, ids) =>
          ids
            .filter((id) => id === '068000000000001AAA')
            .map((id) => ({
              id,
              title: 'checkout-trace',
              extension: 'log',
              size: bytes.length,
              contentDocumentId: '069000000000001AAA',
              linkedToRecord: true,
            })),
        open: async () =>
          (async function* () {
            yield new Uint8Array(bytes);
          })(),
      };
      const answer = await new IssueCreator({ ...deps, salesforceFiles: source }).create(
        who,
        newKey(),
        {
          template: incidentTemplate('cloud', {
            attachments: {
              extensions: ['log'],
              maxFileBytes: 1_000,
              maxTotalBytes: 1_000,
              maxFiles: 2,
            },
          }),
          record: caseRecord(newRecordId()),
          files: [{ contentVersionId: '068000000000001AAA' }],
        },
      );
      expect(answer.body.attachments).toEqual([
        expect.objectContaining({
          contentVersionId: '068000000000001AAA',
          fileName: 'checkout-trace.log',
          size: 12,
          attached: true,
        }),
      ]);
      expect(jira.attachments).toEqual([expect.objectContaining({ size: 12 })]);
      expect(await eventsOf(who.requestId)).toEqual([
        expect.objectContaining({ filesSent: ['checkout-trace.log (12 bytes): attached'] }),
      ]);
    });

    it('when the template asks for no remote link then none is added', async () => {
      const body = { ...createBody(), template: incidentTemplate('cloud', { remoteLink: false }) };
      const answer = await single.create(caller(), newKey(), body);
      expect(answer.body.remoteLink).toBe(false);
      expect(jira.callsTo(routes.remoteLink)).toBe(0);
    });
  });

  describe('a batch', () => {
    it('when one record fails its checks and Jira refuses another then the rest are created in one call, each failure per record, and the key keeps the results', async () => {
      const who = caller();
      const key = newKey();
      const good = caseRecord(newRecordId());
      const unmapped = caseRecord(newRecordId(), { SuppliedEmail: 'jane@globex.example' });
      const alsoGood = caseRecord(newRecordId(), { Impact__c: 'Minor' });
      const body = bulkBody(good, unmapped, alsoGood);
      jira.faults.add(
        bulkAnswerCreatingFirst('90001', 'OPS-9001', 400, {
          errors: { customfield_10062: 'Option not allowed' },
          errorMessages: [],
        }),
      );

      const answer = await bulk.create(who, key, body);
      expect(answer.status).toBe(200);
      expect(answer.replayed).toBe(false);
      const [first, second, third] = answer.body.results;
      expect(first).toEqual({
        recordId: good.id,
        issue: { id: '90001', key: 'OPS-9001', url: `${HTTPS_SITE.cloud}/browse/OPS-9001` },
        fieldsSent: expect.arrayContaining(['summary']),
        remoteLink: expect.any(Boolean),
      });
      expect(second).toMatchObject({
        recordId: unmapped.id,
        problem: { code: 'TEMPLATE_DATA_UNMAPPED', requestId: `${who.requestId}:1` },
      });
      expect(third).toMatchObject({
        recordId: alsoGood.id,
        problem: { code: 'JIRA_VALIDATION', jiraStatus: 400, requestId: `${who.requestId}:2` },
      });
      expect(jira.callsTo(routes.bulk)).toBe(1);
      expect(jira.callsTo(routes.create)).toBe(0);

      const events = await eventsOf(who.requestId);
      expect(
        events.map((e) => [e.requestId, e.operation, e.outcome, e.errorCode, e.issueKey]),
      ).toEqual([
        [`${who.requestId}:0`, 'BulkCreate', 'Success', null, 'OPS-9001'],
        [`${who.requestId}:1`, 'BulkCreate', 'Denied', 'TEMPLATE_DATA_UNMAPPED', null],
        [`${who.requestId}:2`, 'BulkCreate', 'Failed', 'JIRA_VALIDATION', null],
      ]);
      expect(events[0]).toMatchObject({ recordId: good.id, jiraStatus: 201 });

      // Jira's 400 about a record's field dropped the cached create screen.
      jira.resetCounters();
      await single.create(caller(), newKey(), createBody());
      expect(jira.callsTo(routes.fields)).toBe(1);

      const row = await keyRow(BULK_SCOPE, key);
      expect(row).toMatchObject({ state: 'done', response_status: 200 });
      expect(JSON.parse(row?.response_body ?? 'null')).toEqual(answer.body);
      jira.resetCounters();
      expect(await bulk.create(caller(), key, body)).toEqual({
        status: 200,
        body: answer.body,
        replayed: true,
      });
      expect(jira.jiraCalls).toBe(0);
    });

    it('when every record is created then each has its issue and its remote link', async () => {
      const records = [caseRecord(newRecordId()), caseRecord(newRecordId())];
      const answer = await bulk.create(caller(), newKey(), bulkBody(...records));
      expect(answer.body.results).toEqual(
        records.map((record) => ({
          recordId: record.id,
          issue: expect.objectContaining({ key: expect.stringMatching(/^OPS-\d+$/) }),
          fieldsSent: expect.arrayContaining(['summary', 'customfield_10064']),
          remoteLink: true,
        })),
      );
      expect(jira.callsTo(routes.remoteLink)).toBe(2);
      // Nothing was refused, so the cached create screen is kept.
      jira.resetCounters();
      await single.create(caller(), newKey(), createBody());
      expect(jira.callsTo(routes.fields)).toBe(0);
    });

    it('when one remote link cannot be added then only that record says so', async () => {
      jira.faults.add({ route: routes.remoteLink, kind: 'status', status: 403 });
      const answer = await bulk.create(
        caller(),
        newKey(),
        bulkBody(caseRecord(newRecordId()), caseRecord(newRecordId())),
      );
      const results = answer.body.results as { remoteLink?: boolean; issue?: { key: string } }[];
      expect(results.map((r) => r.remoteLink).sort()).toEqual([false, true]);
      const unlinked = results.find((r) => r.remoteLink === false);
      expect(logs).toEqual([
        expect.objectContaining({
          level: 40,
          msg: 'remote link after bulk create failed',
          issueKey: unlinked?.issue?.key,
          err: expect.objectContaining({ type: 'AppError' }),
        }),
      ]);
    });

    it('when the template asks for no remote link then none is added and each record says so', async () => {
      const body = {
        ...bulkBody(caseRecord(newRecordId())),
        template: incidentTemplate('cloud', { remoteLink: false }),
      };
      const answer = await bulk.create(caller(), newKey(), body);
      expect(answer.body.results).toEqual([expect.objectContaining({ remoteLink: false })]);
      expect(jira.callsTo(routes.remoteLink)).toBe(0);
    });

    it('when no record passes its checks then Jira is not called, each record is reported and the key is released', async () => {
      const who = caller();
      const key = newKey();
      const body = bulkBody(
        caseRecord(newRecordId(), { SuppliedEmail: 'jane@globex.example' }),
        caseRecord(newRecordId(), { Priority: 'NotAPriority' }),
      );
      const answer = await bulk.create(who, key, body);
      expect(answer.status).toBe(200);
      expect(answer.body.results.map((r) => ('problem' in r ? r.problem.code : 'issue'))).toEqual([
        'TEMPLATE_DATA_UNMAPPED',
        'TEMPLATE_INVALID',
      ]);
      expect(jira.callsTo(routes.bulk)).toBe(0);
      expect(await keyRow(BULK_SCOPE, key)).toBeUndefined();
      expect((await eventsOf(who.requestId)).map((e) => [e.outcome, e.errorCode])).toEqual([
        ['Denied', 'TEMPLATE_DATA_UNMAPPED'],
        ['Failed', 'TEMPLATE_INVALID'],
      ]);
    });

    it('when something fails after Jira created the batch then the key is closed as unknown, never released for a retry that would create again', async () => {
      const who = caller();
      const key = newKey();
      const body = bulkBody(caseRecord(newRecordId()), caseRecord(newRecordId()));
      const invalidate = jest.spyOn(deps.createMeta, 'invalidate').mockImplementation(() => {
        throw new TypeError('cache broken');
      });
      // One record created, one refused with a 400: the refusal drops the cached create screen.
      jira.faults.add(
        bulkAnswerCreatingFirst('90002', 'OPS-9002', 400, {
          errors: { customfield_10062: 'Option not allowed' },
        }),
      );
      try {
        const error = await failureOf(bulk.create(who, key, body));
        expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE', extra: { outcomeUnknown: true } });
      } finally {
        invalidate.mockRestore();
      }
      expect(await keyRow(BULK_SCOPE, key)).toMatchObject({ state: 'done', response_status: 502 });
      await expect(bulk.create(caller(), key, body)).rejects.toMatchObject({
        extra: { outcomeUnknown: true, replayed: true },
      });
      expect(jira.callsTo(routes.bulk)).toBe(1);
    });

    it.each([500, 502, 504])(
      'when Jira creates the batch but answers %i then the outcome is unknown for every record and a retry sends no second bulk create',
      async (status) => {
        const who = caller();
        const key = newKey();
        const body = bulkBody(caseRecord(newRecordId()), caseRecord(newRecordId()));
        jira.faults.add({ route: routes.bulk, kind: 'afterHandling', status });

        const error = await failureOf(bulk.create(who, key, body));
        expect(error).toMatchObject({
          code: 'JIRA_UNAVAILABLE',
          jiraStatus: status,
          extra: { outcomeUnknown: true },
        });
        expect(error.detail).toMatch(
          /^Jira did not confirm which issues of the batch were created/,
        );
        expect((await eventsOf(who.requestId)).map((e) => e.errorCode)).toEqual([
          'JIRA_UNAVAILABLE',
          'JIRA_UNAVAILABLE',
        ]);
        expect(await keyRow(BULK_SCOPE, key)).toMatchObject({
          state: 'done',
          response_status: 502,
        });
        expect(logs).toEqual([
          expect.objectContaining({
            level: 50,
            msg: 'bulk create outcome unknown; key closed so no retry can duplicate issues',
            requestId: who.requestId,
            idempotencyKey: key,
            err: expect.objectContaining({ type: 'AppError' }),
          }),
        ]);
        await expect(bulk.create(caller(), key, body)).rejects.toMatchObject({
          extra: { outcomeUnknown: true, replayed: true },
        });
        expect(jira.callsTo(routes.bulk)).toBe(1);
      },
    );

    it('when Jira refuses the whole bulk call with a 400 then every record fails with it and the key is released', async () => {
      const who = caller();
      const key = newKey();
      const body = bulkBody(caseRecord(newRecordId()));
      jira.faults.add({
        route: routes.bulk,
        kind: 'status',
        status: 400,
        body: { errorMessages: ['Bad request'], errors: {} },
      });
      const error = await failureOf(bulk.create(who, key, body));
      expect(error.jiraStatus).toBe(400);
      expect(await keyRow(BULK_SCOPE, key)).toBeUndefined();
      expect((await eventsOf(who.requestId)).map((e) => e.errorCode)).toEqual([error.code]);
      expect((await bulk.create(caller(), key, body)).status).toBe(200);
    });

    it('when an earlier attempt died holding the key then the outcome is unknown and nothing is sent', async () => {
      const who = caller();
      const key = newKey();
      const body = bulkBody(caseRecord(newRecordId()), caseRecord(newRecordId()));
      await abandon(BULK_SCOPE, key, body);

      const error = await failureOf(bulk.create(who, key, body));
      expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE', extra: { outcomeUnknown: true } });
      expect(error.detail).toContain('which issues an earlier attempt created');
      expect(jira.jiraCalls).toBe(0);
      expect((await eventsOf(who.requestId)).map((e) => e.errorCode)).toEqual([
        'JIRA_UNAVAILABLE',
        'JIRA_UNAVAILABLE',
      ]);
      expect(await keyRow(BULK_SCOPE, key)).toMatchObject({ state: 'done', response_status: 502 });
    });

    it('when the same key comes with another batch then IDEMPOTENCY_CONFLICT is raised and audited per record', async () => {
      const key = newKey();
      await bulk.create(caller(), key, bulkBody(caseRecord(newRecordId())));
      const who = caller();
      const error = await failureOf(
        bulk.create(who, key, bulkBody(caseRecord(newRecordId()), caseRecord(newRecordId()))),
      );
      expect(error.code).toBe('IDEMPOTENCY_CONFLICT');
      expect((await eventsOf(who.requestId)).map((e) => [e.requestId, e.errorCode])).toEqual([
        [`${who.requestId}:0`, 'IDEMPOTENCY_CONFLICT'],
        [`${who.requestId}:1`, 'IDEMPOTENCY_CONFLICT'],
      ]);
    });

    it('when Jira fails while the create screen is read then no bulk create was sent, and the key is released', async () => {
      deps.createMeta.clear();
      const key = newKey();
      const body = bulkBody(caseRecord(newRecordId()));
      jira.faults.add({ route: routes.issueTypes, kind: 'status', status: 500, times: 3 });

      const error = await failureOf(bulk.create(caller(), key, body));
      expect(error).toMatchObject({ code: 'JIRA_UNAVAILABLE', jiraStatus: 500 });
      expect(error.extra).toBeUndefined();
      expect(jira.callsTo(routes.bulk)).toBe(0);
      expect(await keyRow(BULK_SCOPE, key)).toBeUndefined();
      jira.faults.clear();
      expect((await bulk.create(caller(), key, body)).status).toBe(200);
    });

    it('when every record fails its own checks then Jira is not asked even for the create screen', async () => {
      deps.createMeta.clear();
      const unmapped = () => caseRecord(newRecordId(), { SuppliedEmail: 'jane@globex.example' });
      const answer = await bulk.create(caller(), newKey(), bulkBody(unmapped(), unmapped()));
      expect(answer.body.results).toHaveLength(2);
      expect(jira.jiraCalls).toBe(0);
    });

    it('when a record is invalid then its problem names the field under records.<n>', async () => {
      const answer = await bulk.create(
        caller(),
        newKey(),
        bulkBody(caseRecord(newRecordId(), { SuppliedEmail: 'jane@globex.example' }), {
          ...caseRecord(newRecordId()),
          objectApiName: 'not an API name',
        }),
      );
      expect(answer.body.results[1]).toMatchObject({
        problem: {
          code: 'VALIDATION_FAILED',
          detail: expect.stringContaining('records.1.objectApiName: ') as string,
          fieldErrors: [expect.objectContaining({ field: 'records.1.objectApiName' })],
        },
      });
      expect(jira.jiraCalls).toBe(0);
    });

    it.each([
      ['reading a record', () => jest.spyOn(templateSchema, 'parseRecord')],
      ['checking a rendered issue', () => jest.spyOn(renderTemplate, 'assertNoProblems')],
    ])(
      'when %s fails with an unexpected error then the whole batch fails with it, nothing is sent and the key is released',
      async (_what, spyOn) => {
        const bug = new TypeError('a bug');
        const spy = spyOn().mockImplementationOnce(() => {
          throw bug;
        });
        const who = caller();
        const key = newKey();
        const body = bulkBody(caseRecord(newRecordId()));
        try {
          await expect(bulk.create(who, key, body)).rejects.toBe(bug);
        } finally {
          spy.mockRestore();
        }
        expect(jira.callsTo(routes.bulk)).toBe(0);
        expect(await keyRow(BULK_SCOPE, key)).toBeUndefined();
        expect((await eventsOf(who.requestId)).map((e) => e.errorCode)).toEqual(['INTERNAL']);
      },
    );

    it('when Jira refuses one record with a status other than 400 then the cached create screen is kept', async () => {
      await single.create(caller(), newKey(), createBody()); // the create screen is cached now
      jira.faults.add(
        bulkAnswerCreatingFirst('90002', 'OPS-9002', 403, {
          errors: {},
          errorMessages: ['Not allowed'],
        }),
      );
      const answer = await bulk.create(
        caller(),
        newKey(),
        bulkBody(caseRecord(newRecordId()), caseRecord(newRecordId())),
      );
      expect(answer.body.results[1]).toMatchObject({
        problem: { code: 'JIRA_FORBIDDEN', jiraStatus: 403 },
      });
      jira.resetCounters();
      await single.create(caller(), newKey(), createBody());
      expect(jira.callsTo(routes.fields)).toBe(0);
    });

    it('when the template is invalid then the batch is refused before Jira, every record with the error, and the key is released', async () => {
      const who = caller();
      const key = newKey();
      const body = { ...bulkBody(caseRecord(newRecordId())), template: { id: 'x' } };
      const error = await failureOf(bulk.create(who, key, body));
      expect(error.code).toBe('TEMPLATE_INVALID');
      expect(jira.jiraCalls).toBe(0);
      expect(await keyRow(BULK_SCOPE, key)).toBeUndefined();
      expect((await eventsOf(who.requestId)).map((e) => e.errorCode)).toEqual(['TEMPLATE_INVALID']);
    });

    it('when a batch has no records or more than 50 then its body is refused', () => {
      const body = (count: number) => ({
        template: incidentTemplate('cloud'),
        records: Array.from({ length: count }, () => caseRecord(newRecordId())),
      });
      expect(bulkRequestBody.safeParse(body(0)).success).toBe(false);
      expect(bulkRequestBody.safeParse(body(1)).success).toBe(true);
      expect(bulkRequestBody.safeParse(body(50)).success).toBe(true);
      expect(bulkRequestBody.safeParse(body(51)).success).toBe(false);
    });

    it('when a request id leaves no room for the record suffix then a 40-character hash stands for it', () => {
      const fits = 'r'.repeat(62);
      expect(recordRequestBase(fits, 10)).toBe(fits); // ":9" makes 64
      expect(recordRequestBase(fits, 11)).toMatch(/^[0-9a-f]{40}$/); // ":10" would make 65
      expect(recordRequestBase(fits, 1)).toBe(fits); // ":0" makes 64
      expect(recordRequestBase('r'.repeat(63), 1)).toMatch(/^[0-9a-f]{40}$/);
      expect(recordRequestBase('r'.repeat(63), 1)).not.toBe(recordRequestBase('s'.repeat(63), 1));
    });
  });

  describe('the outcome rules', () => {
    it.each([
      ['a Jira 400', true, new AppError('JIRA_VALIDATION', 'x', { jiraStatus: 400 })],
      ['a Jira 499', true, new AppError('JIRA_VALIDATION', 'x', { jiraStatus: 499 })],
      ['a Jira 429', true, new AppError('JIRA_RATE_LIMITED', 'x', { jiraStatus: 429 })],
      ['a Jira 500', false, new AppError('JIRA_UNAVAILABLE', 'x', { jiraStatus: 500 })],
      ['a Jira 399', false, new AppError('JIRA_UNAVAILABLE', 'x', { jiraStatus: 399 })],
      ['the relay pausing for a rate limit', true, new AppError('JIRA_RATE_LIMITED', 'x')],
      ['a refusal before sending', true, new AppError('TEMPLATE_DATA_MISSING', 'x')],
      ['a forbidden upstream', true, new AppError('UPSTREAM_HOST_FORBIDDEN', 'x')],
      ['a broken connection', false, new AppError('JIRA_UNAVAILABLE', 'x')],
      ['a plain error', false, new Error('x')],
      [
        // Such as the store's driver throws: it says nothing about the Jira call.
        'a refused connection that is not an AppError',
        false,
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      ],
    ])('when a create fails with %s then certainlyNotCreated is %s', (_what, expected, error) => {
      expect(certainlyNotCreated(error)).toBe(expected);
    });

    it.each([
      'SCOPE_MISSING',
      'CONNECTION_NOT_FOUND',
      'CONNECTION_NEEDS_REAUTH',
      'JIRA_USER_NOT_CONNECTED',
      'UPSTREAM_HOST_FORBIDDEN',
      'SERVICE_UNAVAILABLE',
      'VALIDATION_FAILED',
      'TEMPLATE_INVALID',
      'TEMPLATE_DATA_MISSING',
      'TEMPLATE_DATA_UNMAPPED',
    ] as const)(
      'when a create is refused with %s before sending then nothing was created',
      (code) => {
        expect(certainlyNotCreated(new AppError(code, 'x'))).toBe(true);
      },
    );

    it('when a cause is an AppError then the outcome-unknown answer quotes its detail, cut at 200 characters, and keeps its Jira status', () => {
      const cause = new AppError('JIRA_UNAVAILABLE', 'y'.repeat(300), { jiraStatus: 503 });
      const unknown = outcomeUnknown(cause, 'whether it worked');
      expect(unknown.detail).toBe(
        `Jira did not confirm whether it worked (${'y'.repeat(200)}). It may have been created: check Jira before trying again, and use a new Idempotency-Key if it was not. This key keeps this answer so a retry cannot create a duplicate.`,
      );
      expect(unknown).toMatchObject({
        status: 502,
        jiraStatus: 503,
        extra: { outcomeUnknown: true },
      });
      const plain = outcomeUnknown(new Error('socket hang up'), 'whether it worked');
      expect(plain.detail).toContain('(the relay lost track of the call)');
      expect(plain.jiraStatus).toBeUndefined();
    });

    it('when a stored answer is replayed then an error status is thrown again as the same problem, and a success is returned', () => {
      expect(replay({ status: 201, body: { a: 1 } })).toEqual({
        status: 201,
        body: { a: 1 },
        replayed: true,
      });
      expect(replay({ status: 399, body: 'x' }).replayed).toBe(true);
      expect(() =>
        replay({
          status: 400,
          body: { problem: { code: 'JIRA_VALIDATION', detail: 'd', status: 422, extra: { n: 1 } } },
        }),
      ).toThrow(
        expect.objectContaining({
          code: 'JIRA_VALIDATION',
          detail: 'd',
          status: 422,
          extra: { n: 1, replayed: true },
        }) as Error,
      );
    });

    it('when a request body is not yet validated then its audit note takes only strings', () => {
      expect(
        noteOfBody({ template: { connection: 'cloud', id: 7 }, record: { id: 'a0B1' } }),
      ).toEqual({ connection: 'cloud', templateId: null, recordId: 'a0B1' });
      expect(noteOfBody({})).toEqual({ connection: null, templateId: null, recordId: null });
      expect(noteOfBody({ template: { id: 'T1' }, record: null })).toMatchObject({
        templateId: 'T1',
        recordId: null,
      });
    });

    it('when the store cannot commit an outcome then commitOutcome says so instead of throwing', async () => {
      const broken = openStore(await freshStoreLocation('sqlite'));
      await broken.migrate();
      await broken.close();
      const logged: string[] = [];
      const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
      const recorder = new AuditRecorder(
        new OutboxAuditSink(new OutboxRepository(broken), deps.clock, async () => true, logger),
        deps.clock,
        logger,
      );
      const event = recorder.event(caller(), 'Create', {}, Date.now());
      expect(await commitOutcome({ store: broken, auditRecorder: recorder, logger }, [event])).toBe(
        false,
      );
      expect(logged.join('')).toContain('could not commit the outcome of a create');
      expect(await commitOutcome(deps, [recorder.event(caller(), 'Create', {}, Date.now())])).toBe(
        true,
      );
    });

    it('when the store is briefly away then commitOutcome hands the commit to the store retry and says it will be committed', async () => {
      const logged: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(line) });
      const storeRetry = new StoreRetry(logger, { firstDelayMs: 1, maxDelayMs: 5 });
      const recorder = new AuditRecorder(
        new OutboxAuditSink(new OutboxRepository(store), deps.clock, async () => true, logger),
        deps.clock,
        logger,
        storeRetry,
      );
      const who = caller();
      const event = recorder.event(who, 'Create', {}, Date.now());
      const keyWork = jest.fn(async () => {});
      const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
        code: 'ECONNREFUSED',
      });
      const transaction = jest.spyOn(store, 'transaction').mockRejectedValueOnce(refused);
      try {
        expect(
          await commitOutcome({ store, auditRecorder: recorder, logger }, [event], keyWork),
        ).toBe(true);
        expect(logged.join('')).not.toContain('could not commit the outcome of a create');
        const deadline = Date.now() + 5_000;
        while (storeRetry.pending > 0 && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 5));
      } finally {
        transaction.mockRestore();
      }
      expect(storeRetry.pending).toBe(0);
      expect(keyWork).toHaveBeenCalledTimes(1);
      expect(await eventsOf(who.requestId)).toEqual([
        expect.objectContaining({ requestId: who.requestId }),
      ]);
    });
  });

  /** What a relay killed between its Jira call and its commit leaves behind. */
  async function abandon(scope: string, key: string, body: unknown): Promise<void> {
    const past = Date.now() - 60 * 60 * 1000;
    await store.db
      .insertInto('idempotency_records')
      .values({
        org_id: ORG,
        scope,
        idempotency_key: key,
        fingerprint: requestFingerprint(body),
        state: 'in_flight',
        response_status: null,
        response_body: null,
        lease_until: past,
        created_at: past,
        expires_at: Date.now() + 60 * 60 * 1000,
      })
      .execute();
  }

  it('then every request and answer the double saw matched the Jira OpenAPI document', () => {
    expect(jira.violations).toEqual([]);
  });
});
