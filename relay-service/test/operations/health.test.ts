import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HEALTH_PROBLEM_CODES } from '../../src/operations/health';
import { saveConnection, updateConnection } from '../../src/store/connection-repository';
import { loadRelayOpenApi } from '../support/relay-openapi';
import { AdminClient } from '../support/connections';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { RelayContractValidator } from '../support/relay-openapi';
import { databaseUrlOf } from '../support/stores';
import {
  CLOUD_API_TOKEN,
  DEPLOYMENTS,
  incidentTemplate,
  routesOf,
  startCreateWorld,
  type CreateWorld,
  type DeploymentName,
} from './create-fixtures';

const DAY = 24 * 3600 * 1000;
const PAT = 'NjM3-double-pat-ada';

interface Problem {
  code: string;
  severity: string;
  message: string;
  nextStep: string;
  field?: string;
}
interface ConnectionHealth {
  name: string;
  status: string;
  problems: Problem[];
  [member: string]: unknown;
}
interface TemplateHealth {
  name: string;
  status: string;
  problems: Problem[];
}

const codes = (item: { problems: Problem[] }) => item.problems.map((p) => p.code).sort();

/** Connection credentials each deployment's double accepts, for extra connections. */
const credentialsFor = (deployment: DeploymentName, world: CreateWorld) => ({
  deployment,
  baseUrl: world.double(deployment).url,
  auth: deployment === 'cloud' ? CLOUD_API_TOKEN : { method: 'pat', token: PAT },
});

describe.each(DEPLOYMENTS)('health before failure on %s', (deployment) => {
  let world: CreateWorld;
  const routes = routesOf(deployment);
  const statusesRoute = `GET ${routes.api}/project/{projectIdOrKey}/statuses`;
  const double = () => world.double(deployment);
  const connection = () => world.connection(deployment);
  const template = (overrides: Record<string, unknown> = {}) =>
    incidentTemplate(connection(), overrides);
  const health = (templates: unknown[], extra: Record<string, unknown> = {}) =>
    world.call('POST', '/v1/health', { templates, ...extra });
  const connectionIn = (body: Record<string, unknown>, name: string) =>
    (body.connections as ConnectionHealth[]).find((c) => c.name === name)!;
  const templatesIn = (body: Record<string, unknown>) => body.templates as TemplateHealth[];

  /** A connection of its own, so faults and pauses do not reach the other tests. */
  const ownConnection = async (name: string, auth: Record<string, unknown> = {}) => {
    const base = credentialsFor(deployment, world);
    const answer = await world.call('PUT', `/v1/connections/${name}`, {
      ...base,
      auth: { ...base.auth, ...auth },
    });
    expect(answer.status).toBe(200);
  };

  beforeAll(async () => {
    world = await startCreateWorld();
  });
  afterAll(() => world.stop());
  beforeEach(() => {
    world.relay.services.createMeta.clear();
    double().resetCounters();
    double().faults.clear();
  });

  it('when nothing is wrong then every connection and template is ok and the answer names them', async () => {
    const answer = await health([template({ allowedTransitions: ['Resolved', 'closed'] })]);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('ok');
    expect(Date.parse(answer.body.checkedAt as string)).not.toBeNaN();
    expect(connectionIn(answer.body, connection())).toMatchObject({
      deployment: deployment === 'cloud' ? 'cloud' : 'datacenter',
      authMethod: deployment === 'cloud' ? 'api_token' : 'pat',
      status: 'ok',
      expiresAt: null,
      expiry: null,
      missingScopes: [],
      rateLimit: { state: 'normal', until: null, limit: expect.any(Number) },
      problems: [],
    });
    expect(templatesIn(answer.body)).toEqual([
      {
        id: template().id,
        name: template().name,
        connection: connection(),
        status: 'ok',
        problems: [],
      },
    ]);
  });

  it('when GET asks then only connections are checked and Jira is not called', async () => {
    const answer = await world.call('GET', '/v1/health');
    expect(answer.status).toBe(200);
    expect(answer.body.templates).toEqual([]);
    expect(connectionIn(answer.body, connection()).status).toBe('ok');
    expect(double().jiraCalls).toBe(0);
  });

  it('when many templates share a project and issue type then createmeta is read once, statuses once per project, and nothing on the second check', async () => {
    const many = Array.from({ length: 20 }, (_, i) =>
      template({ id: null, name: `Incident ${i}`, allowedTransitions: ['Resolved'] }),
    );
    const support = template({
      id: null,
      name: 'Support bug',
      projectKey: 'SUP',
      issueType: 'Bug',
      fields: [],
      allowedTransitions: ['Done'],
    });
    const first = await health([...many, support]);
    expect(first.body.status).toBe('ok');
    expect(double().callsTo(routes.issueTypes)).toBe(2);
    expect(double().callsTo(routes.fields)).toBe(2);
    expect(double().callsTo(statusesRoute)).toBe(2);

    double().resetCounters();
    await health([...many, support]);
    expect(double().callsTo(routes.issueTypes)).toBe(0);
    expect(double().callsTo(routes.fields)).toBe(0);
  });

  it('when a template points at what Jira no longer has then each problem is named with its field', async () => {
    const withoutImpact = template().fields.filter((f) => f.jiraField !== 'customfield_10060');
    const answer = await health([
      template({ name: 'gone project', projectKey: 'GONE' }),
      template({ name: 'gone type', issueType: 'Epic' }),
      template({
        name: 'gone field',
        fields: [...template().fields, { jiraField: 'customfield_99999', value: 'x' }],
      }),
      template({ name: 'unmapped', fields: withoutImpact }),
      template({ name: 'gone status', allowedTransitions: ['Resolved', 'Frobnicated'] }),
      template({ name: 'no connection', connection: 'nowhere' }),
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('error');
    const [project, type, field, required, status, missing] = templatesIn(answer.body);
    expect(project!.problems).toEqual([
      expect.objectContaining({ code: 'PROJECT_NOT_FOUND', severity: 'error' }),
    ]);
    expect(type!.problems).toEqual([
      expect.objectContaining({ code: 'ISSUE_TYPE_NOT_FOUND', severity: 'error' }),
    ]);
    expect(field!.problems).toEqual([
      expect.objectContaining({
        code: 'FIELD_NOT_ON_CREATE_SCREEN',
        severity: 'error',
        field: 'customfield_99999',
      }),
    ]);
    expect(required!.problems).toEqual([
      expect.objectContaining({
        code: 'REQUIRED_FIELD_NOT_MAPPED',
        severity: 'error',
        field: 'customfield_10060',
      }),
    ]);
    expect(status).toMatchObject({ status: 'warning' });
    expect(status!.problems).toEqual([
      expect.objectContaining({
        code: 'TRANSITION_STATUS_NOT_FOUND',
        severity: 'warning',
        field: 'Frobnicated',
      }),
    ]);
    expect(missing!.problems).toEqual([
      expect.objectContaining({ code: 'CONNECTION_NOT_FOUND', severity: 'error' }),
    ]);
    for (const item of templatesIn(answer.body))
      for (const problem of item.problems) {
        expect(problem.message.length).toBeGreaterThan(10);
        expect(problem.nextStep.length).toBeGreaterThan(10);
      }
  });

  it('when Jira cannot be asked then the template gets CHECK_FAILED as a warning and health still answers 200', async () => {
    double().faults.add({ kind: 'status', status: 500, route: routes.issueTypes, times: 5 });
    const answer = await health([template()]);
    expect(answer.status).toBe(200);
    expect(templatesIn(answer.body)[0]).toMatchObject({
      status: 'warning',
      problems: [expect.objectContaining({ code: 'CHECK_FAILED', severity: 'warning' })],
    });
  });

  it('when the workflow statuses cannot be read then the field checks still stand and only a warning is added', async () => {
    double().faults.add({ kind: 'status', status: 503, route: statusesRoute, times: 5 });
    const answer = await health([template({ allowedTransitions: ['Resolved'] })]);
    expect(answer.status).toBe(200);
    expect(codes(templatesIn(answer.body)[0]!)).toEqual(['CHECK_FAILED']);
  });

  it('when a token expires within 14 days or has expired then the connection warns or fails', async () => {
    const soon = new Date(Date.now() + 10 * DAY).toISOString();
    const past = new Date(Date.now() - DAY).toISOString();
    await ownConnection('expiring', { expiresAt: soon });
    await ownConnection('expired', { expiresAt: past });
    await ownConnection('lasting', { expiresAt: new Date(Date.now() + 60 * DAY).toISOString() });
    const answer = await world.call('GET', '/v1/health');
    expect(connectionIn(answer.body, 'expiring')).toMatchObject({
      status: 'warning',
      expiry: 'api_token',
      expiresAt: new Date(Date.parse(soon)).toISOString(),
      problems: [expect.objectContaining({ code: 'CREDENTIAL_EXPIRES_SOON' })],
    });
    expect(connectionIn(answer.body, 'expired')).toMatchObject({
      status: 'error',
      problems: [expect.objectContaining({ code: 'CREDENTIAL_EXPIRED', severity: 'error' })],
    });
    expect(connectionIn(answer.body, 'lasting')).toMatchObject({ status: 'ok', problems: [] });
    expect(answer.body.status).toBe('error');
  });

  it('when the connection needs re-authorization then it is an error and its templates are not checked against Jira', async () => {
    await ownConnection('revoked');
    await updateConnection(world.relay.services.store.db, ORG_ID, 'revoked', {
      status: 'needs_reauth',
      status_reason: 'Atlassian answered invalid_grant',
    });
    double().resetCounters();
    const answer = await health([template({ connection: 'revoked' })]);
    expect(connectionIn(answer.body, 'revoked')).toMatchObject({
      status: 'error',
      problems: [expect.objectContaining({ code: 'CONNECTION_NEEDS_REAUTH' })],
    });
    expect(codes(templatesIn(answer.body)[0]!)).toEqual(['CHECK_FAILED']);
    expect(double().jiraCalls).toBe(0);
  });

  it('when the last call failed then the connection warns with its code until a call works again', async () => {
    await ownConnection('flaky');
    double().faults.add({ kind: 'status', status: 401, times: 2 });
    const failed = await world.call('GET', '/v1/jira/flaky/projects');
    expect(failed.status).toBe(502);
    let answer = await world.call('GET', '/v1/health');
    expect(connectionIn(answer.body, 'flaky')).toMatchObject({
      status: 'warning',
      lastError: { code: 'JIRA_UNAUTHORIZED', at: expect.any(String) },
      problems: [expect.objectContaining({ code: 'LAST_CALL_FAILED' })],
    });
    double().faults.clear();
    expect((await world.call('GET', '/v1/jira/flaky/projects')).status).toBe(200);
    answer = await world.call('GET', '/v1/health');
    const flaky = connectionIn(answer.body, 'flaky');
    expect(flaky).toMatchObject({ status: 'ok', problems: [] });
    expect(Date.parse(flaky.lastSuccessAt as string)).toBeGreaterThanOrEqual(
      Date.parse((flaky.lastError as { at: string }).at),
    );
  });

  it('when Jira answers a later call with a 404 then the connection counts as working again (Jira was reached)', async () => {
    await ownConnection('reached');
    double().faults.add({ kind: 'status', status: 401, times: 1 });
    expect((await world.call('GET', '/v1/jira/reached/projects')).status).toBe(502);
    const missing = await world.call('GET', '/v1/jira/reached/projects/NOPE/issuetypes');
    expect(missing.body.code).toBe('JIRA_NOT_FOUND');
    const answer = await world.call('GET', '/v1/health');
    expect(connectionIn(answer.body, 'reached')).toMatchObject({
      status: 'ok',
      lastError: { code: 'JIRA_UNAUTHORIZED' },
      problems: [],
    });
  });

  it('when a failing connection is saved with new credentials then its last error is forgotten', async () => {
    await ownConnection('renewed');
    double().faults.add({ kind: 'status', status: 401, times: 1 });
    expect((await world.call('GET', '/v1/jira/renewed/projects')).status).toBe(502);
    await world.relay.services.connectionActivity.settled();
    expect(
      connectionIn((await world.call('GET', '/v1/health')).body, 'renewed').lastError,
    ).not.toBeNull();
    await ownConnection('renewed');
    const renewed = connectionIn((await world.call('GET', '/v1/health')).body, 'renewed');
    expect(renewed).toMatchObject({ status: 'ok', lastError: null, problems: [] });
  });

  it('when Jira asked the connection to pause then the rate limit shows paused with its end', async () => {
    await ownConnection('paused');
    double().faults.add({ kind: 'rateLimit', retryAfterSeconds: 120, times: 3 });
    expect((await world.call('GET', '/v1/jira/paused/projects')).status).toBe(429);
    const answer = await world.call('GET', '/v1/health');
    const paused = connectionIn(answer.body, 'paused');
    expect(paused).toMatchObject({
      status: 'warning',
      rateLimit: { state: 'paused', until: expect.any(String) },
    });
    expect(Date.parse((paused.rateLimit as { until: string }).until)).toBeGreaterThan(
      Date.now() + 60_000,
    );
    expect(codes(paused)).toEqual(['LAST_CALL_FAILED', 'RATE_LIMITED']);
  });

  it('when asked live then one cheap call per connection is made and a failing one is JIRA_UNREACHABLE', async () => {
    await ownConnection('live-check');
    double().resetCounters();
    double().faults.add({
      kind: 'status',
      status: 401,
      route: `GET ${routes.api}/myself`,
      times: 50,
    });
    const answer = await world.call('GET', '/v1/health?live=1');
    expect(answer.status).toBe(200);
    const live = connectionIn(answer.body, 'live-check');
    expect(live.status).toBe('error');
    expect(codes(live)).toEqual(expect.arrayContaining(['JIRA_UNREACHABLE']));
    const connections = (answer.body.connections as ConnectionHealth[]).filter(
      (c) => !c.problems.some((p) => p.code === 'CONNECTION_NEEDS_REAUTH'),
    );
    expect(double().callsTo(`GET ${routes.api}/myself`)).toBeLessThanOrEqual(
      connections.length * 2,
    );
  });

  it('when the body is wrong then 400 VALIDATION_FAILED names the field', async () => {
    const tooMany = Array.from({ length: 201 }, () => template());
    for (const [body, field] of [
      [{}, 'templates'],
      [{ templates: tooMany }, 'templates'],
      [{ templates: [template({ projectKey: 'not a key' })] }, 'templates.0.projectKey'],
      [{ templates: [], extra: true }, '(root)'],
      [{ templates: [], live: 'yes' }, 'live'],
    ] as const) {
      const answer = await world.call('POST', '/v1/health', body);
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.code).toBe('VALIDATION_FAILED');
      expect(answer.body.fieldErrors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field })]),
      );
    }
    const query = await world.call('GET', '/v1/health?live=maybe');
    expect(query).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
  });

  it('then no answer held a secret, and every request and response matched the OpenAPI documents', () => {
    const answers = world.exchanges
      .filter((e) => e.path.startsWith('/v1/health'))
      .map((e) => JSON.stringify(e.responseBody));
    expect(answers.length).toBeGreaterThan(5);
    for (const text of answers) {
      expect(text).not.toContain(CLOUD_API_TOKEN.token);
      expect(text).not.toContain(PAT);
    }
    expect(world.cloud.violations).toEqual([]);
    expect(world.server.violations).toEqual([]);
    expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
  });
});

describe('health of OAuth connections, read from the store', () => {
  let world: CreateWorld;
  const now = Date.now();

  beforeAll(async () => {
    world = await startCreateWorld();
  });
  afterAll(() => world.stop());

  const oauthRow = (name: string, values: Record<string, unknown>) =>
    saveConnection(
      world.relay.services.store.db,
      ORG_ID,
      name,
      {
        deployment: 'cloud',
        base_url: 'https://api.atlassian.com/ex/jira/00000000-0000-0000-0000-000000000000',
        auth_method: 'oauth',
        status: 'active',
        scopes: JSON.stringify([
          'read:jira-user',
          'read:jira-work',
          'write:jira-work',
          'offline_access',
        ]),
        account: null,
        warnings: '[]',
        secret_ref: null,
        cloud_id: null,
        site_url: 'https://acme.atlassian.net',
        connected_by: null,
        connected_at: now,
        expires_at: null,
        updated_at: now,
        status_reason: null,
        access_expires_at: null,
        ...values,
      },
      now,
    );

  it('when a grant was not refreshed for 80 days then it expires within 14 days (90 days unused)', async () => {
    await oauthRow('unused', { connected_at: now - 80 * DAY });
    const answer = await world.call('GET', '/v1/health');
    const unused = (answer.body.connections as ConnectionHealth[]).find(
      (c) => c.name === 'unused',
    )!;
    expect(unused).toMatchObject({
      authMethod: 'oauth',
      expiry: 'refresh_unused',
      expiresAt: new Date(now + 10 * DAY).toISOString(),
      problems: [expect.objectContaining({ code: 'CREDENTIAL_EXPIRES_SOON' })],
    });
  });

  it('when a grant was issued 360 days ago then its absolute year ends first, however recently refreshed', async () => {
    await oauthRow('old', { connected_at: now - 360 * DAY });
    await updateConnection(world.relay.services.store.db, ORG_ID, 'old', {
      refreshed_at: now - DAY,
    });
    const answer = await world.call('GET', '/v1/health');
    const old = (answer.body.connections as ConnectionHealth[]).find((c) => c.name === 'old')!;
    expect(old).toMatchObject({
      expiry: 'refresh_absolute',
      expiresAt: new Date(now + 5 * DAY).toISOString(),
      problems: [expect.objectContaining({ code: 'CREDENTIAL_EXPIRES_SOON' })],
    });
  });

  it('when a recently refreshed grant lacks a scope then SCOPES_MISSING names it', async () => {
    await oauthRow('narrow', { scopes: JSON.stringify(['read:jira-work', 'offline_access']) });
    const answer = await world.call('GET', '/v1/health');
    const narrow = (answer.body.connections as ConnectionHealth[]).find(
      (c) => c.name === 'narrow',
    )!;
    expect(narrow).toMatchObject({
      status: 'error',
      missingScopes: ['read:jira-user', 'write:jira-work'],
      expiry: 'refresh_unused',
      problems: [expect.objectContaining({ code: 'SCOPES_MISSING', severity: 'error' })],
    });
    expect(new RelayContractValidator().checkAll(world.exchanges)).toEqual([]);
  });

  it('when a Data Center OAuth grant lacks WRITE then it is named datacenter_oauth and WRITE is missing', async () => {
    await oauthRow('dc-oauth', {
      deployment: 'server',
      base_url: 'https://jira.example.com',
      scopes: JSON.stringify(['READ']),
      expires_at: now + 30 * DAY,
    });
    const answer = await world.call('GET', '/v1/health');
    const dc = (answer.body.connections as ConnectionHealth[]).find((c) => c.name === 'dc-oauth')!;
    expect(dc).toMatchObject({
      deployment: 'datacenter',
      authMethod: 'datacenter_oauth',
      missingScopes: ['WRITE'],
      expiry: 'refresh_unused',
      expiresAt: new Date(now + 30 * DAY).toISOString(),
    });
  });

  it('when a tenant asks more than 60 times a minute then it is answered 429 RATE_LIMITED with Retry-After', async () => {
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 70 }, () => world.call('GET', '/v1/health')),
    );
    // The bucket refills one check a second while the answers come.
    const refilled = Math.ceil((Date.now() - started) / 1000);
    const limited = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(
      60 + refilled,
    );
    expect(limited.length).toBeGreaterThanOrEqual(10 - refilled);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.body.code).toBe('RATE_LIMITED');
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('health seen by a second relay instance on the same PostgreSQL', () => {
  let world: CreateWorld;
  let second: TestRelay;
  let secondClient: AdminClient;

  beforeAll(async () => {
    world = await startCreateWorld({ engine: 'postgres' });
    second = await startTestRelay({
      databaseUrl: databaseUrlOf(world.relay.config.store),
      env: { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' },
    });
    secondClient = new AdminClient(second, world.secret);
  });
  afterAll(async () => {
    await second?.stop();
    await world?.stop();
  });

  it('when one instance saw a call fail and then work then the other sees each at once', async () => {
    world.cloud.faults.add({ kind: 'status', status: 401, times: 1 });
    expect((await world.call('GET', '/v1/jira/cloud/projects')).status).toBe(502);
    await world.relay.services.connectionActivity.settled();
    let seen = await secondClient.call('GET', '/v1/health');
    const failing = (seen.body.connections as ConnectionHealth[]).find((c) => c.name === 'cloud')!;
    expect(failing).toMatchObject({
      lastError: { code: 'JIRA_UNAUTHORIZED' },
      problems: [expect.objectContaining({ code: 'LAST_CALL_FAILED' })],
    });

    expect((await world.call('GET', '/v1/jira/cloud/projects')).status).toBe(200);
    await world.relay.services.connectionActivity.settled();
    seen = await secondClient.call('GET', '/v1/health');
    const working = (seen.body.connections as ConnectionHealth[]).find((c) => c.name === 'cloud')!;
    expect(working).toMatchObject({
      status: 'ok',
      problems: [],
      lastSuccessAt: expect.any(String),
    });
    expect(world.cloud.violations).toEqual([]);
  });

  it('when many calls work in a row then the store is written once, not once per call', async () => {
    const db = world.relay.services.store.db;
    const before = await db
      .selectFrom('connections')
      .select('last_success_at')
      .where('name', '=', 'dc')
      .executeTakeFirstOrThrow();
    for (let i = 0; i < 5; i += 1)
      expect((await world.call('GET', '/v1/jira/dc/projects')).status).toBe(200);
    await world.relay.services.connectionActivity.settled();
    const after = await db
      .selectFrom('connections')
      .select('last_success_at')
      .where('name', '=', 'dc')
      .executeTakeFirstOrThrow();
    // The first working call is written (a change of state); the four after it within the
    // minute are not.
    expect(after.last_success_at).not.toBeNull();
    expect(after.last_success_at).not.toEqual(before.last_success_at);
    const written = after.last_success_at;
    for (let i = 0; i < 3; i += 1) await world.call('GET', '/v1/jira/dc/projects');
    await world.relay.services.connectionActivity.settled();
    const later = await db
      .selectFrom('connections')
      .select('last_success_at')
      .where('name', '=', 'dc')
      .executeTakeFirstOrThrow();
    expect(later.last_success_at).toBe(written);
  });
});

describe('the health problem codes', () => {
  it('when the relay can answer a code then openapi.yaml and docs/relay-contract.md list exactly those', () => {
    const { schemas } = loadRelayOpenApi().components as {
      schemas: { HealthProblem: { properties: { code: { enum: string[] } } } };
    };
    expect(schemas.HealthProblem.properties.code.enum).toEqual([...HEALTH_PROBLEM_CODES]);
    const contract = readFileSync(
      path.resolve(__dirname, '../../../docs/relay-contract.md'),
      'utf8',
    );
    const section = contract.slice(
      contract.indexOf('### Health'),
      contract.indexOf('## Idempotency'),
    );
    const listed = [...section.matchAll(/^\| `([A-Z_]+)` +\| (connection|template) /gm)].map(
      (match) => match[1],
    );
    expect(listed).toEqual([...HEALTH_PROBLEM_CODES]);
  });
});
