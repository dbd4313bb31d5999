import { generateKeyPairSync } from 'node:crypto';
import { createLogger } from '../../src/lib/logger';
import { UpstreamGuard } from '../../src/lib/upstream-guard';
import type { DeliveryOutcome as UpsertOutcome } from '../../src/audit/audit-delivery';
import { SalesforceAuditClient } from '../../src/salesforce/audit-client';
import { AUDIT_FIELDS, toAuditRecord } from '../../src/salesforce/audit-record';
import type { SalesforceAuth } from '../../src/tenants/tenant-service';
import { AUDIT_ORG_ID, auditEvent } from '../support/audit-events';
import { LogCapture } from '../support/relay';
import { SalesforceDouble } from '../support/salesforce-double';

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const other = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** The same client against an org without the package namespace and one with it. */
describe.each(['', 'pjx'])('Salesforce audit client (namespace "%s")', (namespace) => {
  let double: SalesforceDouble;
  let logs: LogCapture;
  const OBJECT = namespace ? `${namespace}__Jira_Audit_Event__c` : 'Jira_Audit_Event__c';
  const REQUEST_ID = namespace ? `${namespace}__Request_Id__c` : 'Request_Id__c';

  const clientFor = (
    auth: SalesforceAuth | undefined,
    allowPrivate = true,
    tenantNamespace = namespace,
  ) =>
    new SalesforceAuditClient({
      credentials: async () => auth,
      namespace: async () => tenantNamespace,
      upstream: new UpstreamGuard({ allowPrivate }),
      timeoutMs: 2_000,
      now: () => Date.now(),
      logger: createLogger('debug', logs),
    });
  const clientCredentials = (): SalesforceAuth => ({
    type: 'client_credentials',
    loginUrl: double.url,
    clientId: 'cc-client',
    clientSecret: 'cc-secret-value-123',
  });
  const jwtBearer = (key = privateKey): SalesforceAuth => ({
    type: 'jwt_bearer',
    loginUrl: double.url,
    clientId: 'jwt-client',
    username: 'integration@acme.example',
    privateKey: key,
  });
  const upsert = (client: SalesforceAuditClient, id: string) =>
    client.upsertAuditRecords(AUDIT_ORG_ID, [toAuditRecord(auditEvent(id))]);

  beforeAll(async () => {
    double = await SalesforceDouble.start({ namespace });
    double.registerClientCredentials('cc-client', 'cc-secret-value-123');
    double.registerJwtApp('jwt-client', publicKey, 'integration@acme.example');
  });
  afterAll(() => double.stop());
  beforeEach(() => {
    logs = new LogCapture();
    double.calls.length = 0;
    double.fault = { kind: 'none' };
  });

  it('when the tenant uses client credentials then it authenticates once and reuses the session', async () => {
    const client = clientFor(clientCredentials());
    const expected: UpsertOutcome[] = [{ success: true, id: expect.any(String), created: true }];
    expect(await upsert(client, 'cc-1')).toEqual(expected);
    expect(await upsert(client, 'cc-2')).toEqual(expected);
    expect(double.countCalls('token')).toBe(1);
    expect(double.countCalls('upsert')).toBe(2);
  });

  it('when the tenant uses JWT bearer then the signed assertion is accepted', async () => {
    const client = clientFor(jwtBearer());
    expect(await upsert(client, 'jwt-1')).toEqual([
      { success: true, id: expect.any(String), created: true },
    ]);
    expect(double.countCalls('token', (c) => c.status === 200)).toBe(1);
  });

  it('when the JWT is signed with another key then the call fails with invalid_grant', async () => {
    const client = clientFor(jwtBearer(other.privateKey));
    await expect(upsert(client, 'jwt-bad')).rejects.toMatchObject({
      code: 'AUTH_INVALID_GRANT',
    });
  });

  it('when the client secret is wrong then the call fails with invalid_client', async () => {
    const client = clientFor({ ...clientCredentials(), clientSecret: 'wrong' } as SalesforceAuth);
    await expect(upsert(client, 'cc-bad')).rejects.toMatchObject({ code: 'AUTH_INVALID_CLIENT' });
  });

  it('when the same record is sent again then it is updated, not created twice', async () => {
    const client = clientFor(clientCredentials());
    await upsert(client, 'same-1');
    expect(await upsert(client, 'same-1')).toEqual([
      { success: true, id: expect.any(String), created: false },
    ]);
    expect(double.records(OBJECT).filter((r) => r[REQUEST_ID] === 'same-1')).toHaveLength(1);
  });

  it('when an event lists files sent then Files_Sent__c carries one line per file, under the namespace', async () => {
    const event = auditEvent('files-1', {
      filesSent: [
        'trace.log (48213 bytes): attached',
        'dump.bin (9000 bytes): failed ATTACHMENT_FAILED',
      ],
    });
    await clientFor(clientCredentials()).upsertAuditRecords(AUDIT_ORG_ID, [toAuditRecord(event)]);
    const written = double.records(OBJECT).find((r) => r[REQUEST_ID] === 'files-1');
    expect(written?.[double.apiName('Files_Sent__c')]).toBe(
      'trace.log (48213 bytes): attached\ndump.bin (9000 bytes): failed ATTACHMENT_FAILED',
    );
  });

  it('when an action ran as the user\u2019s own Jira account then Identity__c says user, under the namespace', async () => {
    const event = auditEvent('identity-1', { operation: 'Comment', identity: 'user' });
    await clientFor(clientCredentials()).upsertAuditRecords(AUDIT_ORG_ID, [toAuditRecord(event)]);
    const written = double.records(OBJECT).find((r) => r[REQUEST_ID] === 'identity-1');
    expect(written?.[double.apiName('Identity__c')]).toBe('user');
  });

  it('when a record is written then the object and every package field carry the namespace', async () => {
    await upsert(clientFor(clientCredentials()), 'ns-1');
    const written = double.records(OBJECT).find((r) => r[REQUEST_ID] === 'ns-1');
    expect(written).toMatchObject({
      [double.apiName('Operation__c')]: 'Create',
      [double.apiName('Acting_User__c')]: '0055g00000AbCdEFGH',
      [double.apiName('Occurred_At__c')]: '2026-11-28T10:15:30.123Z',
    });
    const names = Object.keys(written ?? {}).filter((name) => name !== 'Id');
    expect(names).toHaveLength(AUDIT_FIELDS.length);
    for (const name of names) expect(name.startsWith(namespace ? `${namespace}__` : '')).toBe(true);
  });

  it('when the tenant namespace does not match the org then the whole call fails as the org answers it', async () => {
    const wrong = namespace ? '' : 'pjx';
    await expect(
      upsert(clientFor(clientCredentials(), true, wrong), 'ns-wrong'),
    ).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    expect(double.records(OBJECT).filter((r) => r[REQUEST_ID] === 'ns-wrong')).toHaveLength(0);
  });

  it('when the session expires then exactly one re-authentication happens', async () => {
    const client = clientFor(jwtBearer());
    await upsert(client, 'exp-1');
    double.expireSessions();
    await upsert(client, 'exp-2');
    expect(double.countCalls('token')).toBe(2);
    expect(double.calls.map((c) => `${c.kind}:${c.status}`)).toEqual([
      'token:200',
      'upsert:200',
      'upsert:401',
      'token:200',
      'upsert:200',
    ]);
  });

  it('when every new session is refused too then it gives up after one renewal', async () => {
    const client = clientFor(clientCredentials());
    await upsert(client, 'loop-1');
    const issue = double['issueToken'].bind(double);
    // Tokens issued from now on are never valid: a naive client would loop.
    double['issueToken'] = () => {
      const token = issue();
      double.expireSessions();
      return token;
    };
    double.expireSessions();
    try {
      await expect(upsert(client, 'loop-2')).rejects.toMatchObject({ code: 'INVALID_SESSION_ID' });
    } finally {
      double['issueToken'] = issue;
    }
    expect(double.countCalls('token')).toBe(2);
    expect(double.countCalls('upsert', (c) => c.status === 401)).toBe(2);
  });

  it('when private upstreams are not allowed then a loopback login URL is refused before any call', async () => {
    const client = clientFor(clientCredentials(), false);
    await expect(upsert(client, 'guard-1')).rejects.toMatchObject({
      code: 'UPSTREAM_HOST_FORBIDDEN',
    });
    expect(double.calls).toHaveLength(0);
  });

  it('when the tenant has no credential then the error says how to add one', async () => {
    await expect(upsert(clientFor(undefined), 'none-1')).rejects.toMatchObject({
      code: 'NO_SALESFORCE_CREDENTIAL',
      message: expect.stringContaining('--sf-auth'),
    });
  });

  it('when it authenticates and writes then no secret or token reaches the log', async () => {
    const client = clientFor(jwtBearer());
    await upsert(client, 'log-1');
    double.expireSessions();
    await upsert(client, 'log-2');
    const cc = clientFor({
      ...clientCredentials(),
      clientSecret: 'wrong-secret-value',
    } as SalesforceAuth);
    await upsert(cc, 'log-3').catch(() => undefined);
    const text = logs.text;
    expect(text).toContain('salesforce session expired');
    for (const secret of [...double.issuedTokens, 'wrong-secret-value', 'cc-secret-value-123']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toContain(privateKey.split('\n')[1]);
  });
});
