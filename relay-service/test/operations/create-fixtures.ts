import type { Clock } from '../../src/lib/clock';
import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../../src/audit/audit-event';
import { toSalesforceId18 } from '../../src/jira/endpoints/remote-links';
import type { TransportSettings } from '../../src/jira/transport';
import type { IssueWriteNotices } from '../../src/store/issue-write-notices';
import { AdminClient, HTTPS_SITE, setConnectionSite, type Exchange } from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import type { TestEngine } from '../support/stores';

/**
 * One relay with a Cloud connection (`cloud`, API token) and a Data Center connection (`dc`,
 * personal access token), each against its own Jira double, for the create-side tests.
 */

export type DeploymentName = 'cloud' | 'server';
export const DEPLOYMENTS: DeploymentName[] = ['cloud', 'server'];

/** The Jira user the `cloud` connection signs in as (one the Cloud double knows). */
export const CLOUD_API_TOKEN = {
  method: 'api_token',
  email: 'ada@example.com',
  token: 'ATATT-double-api-token-ada',
} as const;

export interface CreateWorld {
  relay: TestRelay;
  cloud: JiraDouble;
  server: JiraDouble;
  secret: string;
  /** Every call and answer, for checking them against relay-service/openapi.yaml. */
  exchanges: Exchange[];
  double(deployment: DeploymentName): JiraDouble;
  connection(deployment: DeploymentName): string;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<RelayAnswer>;
  stop(): Promise<void>;
}

export interface RelayAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function startCreateWorld(
  options: {
    engine?: TestEngine;
    createMetaTtlMs?: number;
    idempotencyLeaseMs?: number;
    jiraTransport?: Partial<TransportSettings>;
    clock?: Clock;
    /** Stands in for the other relay instances' write notices. */
    writeNotices?: IssueWriteNotices;
  } = {},
): Promise<CreateWorld> {
  const [cloud, server] = await Promise.all([
    startJiraDouble({ deployment: 'cloud' }),
    startJiraDouble({ deployment: 'server' }),
  ]);
  const relay = await startTestRelay({
    engine: options.engine ?? 'sqlite',
    ...(options.clock ? { clock: options.clock } : {}),
    env: { RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true' },
    serviceOptions: {
      jiraTransport: { baseDelayMs: 2, maxDelayMs: 10, ...options.jiraTransport },
      ...(options.writeNotices ? { writeNotices: options.writeNotices } : {}),
      ...(options.createMetaTtlMs !== undefined
        ? { createMetaTtlMs: options.createMetaTtlMs }
        : {}),
      ...(options.idempotencyLeaseMs !== undefined
        ? { idempotencyLeaseMs: options.idempotencyLeaseMs }
        : {}),
    },
  });
  const secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
  const client = new AdminClient(relay, secret);
  const call: CreateWorld['call'] = (method, path, body, headers) =>
    client.call(method, path, body, headers);
  const connected = await Promise.all([
    call('PUT', '/v1/connections/cloud', {
      deployment: 'cloud',
      baseUrl: cloud.url,
      auth: CLOUD_API_TOKEN,
    }),
    call('PUT', '/v1/connections/dc', {
      deployment: 'server',
      baseUrl: server.url,
      auth: { method: 'pat', token: 'NjM3-double-pat-ada' },
    }),
  ]);
  for (const answer of connected)
    if (answer.status !== 200) throw new Error(`connection failed: ${JSON.stringify(answer.body)}`);
  await setConnectionSite(relay, 'cloud', HTTPS_SITE.cloud);
  await setConnectionSite(relay, 'dc', HTTPS_SITE.server);
  return {
    relay,
    cloud,
    server,
    secret,
    exchanges: client.exchanges,
    double: (deployment) => (deployment === 'cloud' ? cloud : server),
    connection: (deployment) => (deployment === 'cloud' ? 'cloud' : 'dc'),
    call,
    async stop() {
      await relay.stop();
      await Promise.all([cloud.stop(), server.stop()]);
    },
  };
}

export const TEMPLATE_ID = 'a0B5g00000T3mPlAAB';

/** The incident template of the OPS project: every field type the double's screen has. */
export function incidentTemplate(connection: string, overrides: Record<string, unknown> = {}) {
  return {
    id: TEMPLATE_ID,
    name: 'Incident from Case',
    objectApiName: 'Case',
    connection,
    projectKey: 'OPS',
    issueType: 'Incident',
    summary: '{{Subject}}',
    description: 'Reported by {{Account.Name}}:\n\n{{Description}}',
    fields: [
      {
        jiraField: 'priority',
        value: '{{Priority}}',
        valueMap: { High: 'Highest' },
        default: 'Medium',
      },
      { jiraField: 'customfield_10060', value: '{{Impact__c}}' },
      { jiraField: 'labels', value: 'salesforce {{Product__c}}' },
      { jiraField: 'components', value: '{{Component__c}}' },
      { jiraField: 'duedate', value: '{{Due__c}}' },
      { jiraField: 'customfield_10061', value: '{{Affected__c}}' },
      { jiraField: 'customfield_10062', value: '{{Environments__c}}' },
      { jiraField: 'customfield_10064', value: '{{CaseNumber}}' },
    ],
    remoteLink: true,
    allowComments: true,
    allowedTransitions: [],
    ...overrides,
  };
}

/** A Case with exactly the fields the incident template references. */
export function caseRecord(recordId = '5005g00000Q1w2eAAB', fields: Record<string, unknown> = {}) {
  return {
    id: recordId,
    url: `https://acme.my.salesforce.com/${recordId}`,
    objectApiName: 'Case',
    fields: {
      Subject: 'Checkout fails for EU customers',
      Description: 'Since 09:00 every card payment fails.\nSee https://status.example.com',
      Account: { Name: 'Globex' },
      Priority: 'High',
      Impact__c: 'Major',
      Product__c: 'Checkout Web',
      Component__c: 'Checkout',
      Due__c: '2026-12-01',
      Affected__c: 1200,
      Environments__c: 'Production;Staging',
      CaseNumber: '00001026',
      ...fields,
    },
  };
}

/** A fresh Salesforce-style record id, so each test's records are its own. */
export function newRecordId(): string {
  const digits = String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
  return toSalesforceId18(`5005g0000${digits}`);
}

export const newKey = () => `key-${randomUUID()}`;

export const USER = { name: 'Sam Support', email: 'sam@acme.example' };

/** Audit events the relay queued for a request id (and its `:<n>` per-record ids). */
export async function auditEventsOf(relay: TestRelay, requestId: string): Promise<AuditEvent[]> {
  const rows = await relay.services.store.db
    .selectFrom('audit_outbox')
    .select(['request_id', 'event'])
    .where((eb) =>
      eb.or([eb('request_id', '=', requestId), eb('request_id', 'like', `${requestId}:%`)]),
    )
    .orderBy('request_id')
    .execute();
  return rows.map((row) => JSON.parse(row.event) as AuditEvent);
}

/** Route keys of the double for one deployment. */
export function routesOf(deployment: DeploymentName) {
  const api = deployment === 'cloud' ? '/rest/api/3' : '/rest/api/2';
  return {
    api,
    create: `POST ${api}/issue`,
    bulk: `POST ${api}/issue/bulk`,
    issueTypes: `GET ${api}/issue/createmeta/{projectIdOrKey}/issuetypes`,
    fields: `GET ${api}/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}`,
    remoteLink: `POST ${api}/issue/{issueIdOrKey}/remotelink`,
  };
}
