import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../../src/audit/audit-event';
import { userGrantSecretRef } from '../../src/jira/auth/credentials';
import {
  AdminClient,
  expectNoSecretLeaks,
  HTTPS_SITE,
  setConnectionSite,
} from '../support/connections';
import { startJiraDouble, type JiraDouble } from '../support/jira-double';
import type { JiraUser } from '../support/jira-double/model';
import { OAuthBrowser } from '../support/oauth-browser';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { RelayContractValidator } from '../support/relay-openapi';
import { ENGINES } from '../support/stores';

/**
 * Issue #16: Salesforce users acting in Jira as their own Jira account. One relay with a Cloud
 * connection (API token of Ada, users connect by Atlassian 3LO) and a Server/DC connection (PAT
 * of Ada, users save their own PAT), against two Jira doubles that know Bob and Carol too.
 */

type Deployment = 'cloud' | 'server';
const DEPLOYMENTS: Deployment[] = ['cloud', 'server'];
const CONNECTION: Record<Deployment, string> = { cloud: 'cloud', server: 'dc' };
const PUBLIC_URL = 'https://relay.example.test';
const RETURN_URL = 'https://acme.lightning.force.com/lightning/r/Case/5005g00000Q1w2eAAB/view';
const CLOUD_ID = '5f1c2b9e-0d4a-4c3e-9b7a-1e2f3a4b5c6d';
const ADMIN_SF = '0055g00000AdminAdA';
const BOB_SF = '0055g00000BobBobAA';
const CAROL_SF = '0055g00000CarolCar';
const RECORD = {
  id: '5005g00000Q1w2eAAB',
  url: 'https://acme.my.salesforce.com/lightning/r/Case/5005g00000Q1w2eAAB/view',
  objectApiName: 'Case',
  title: 'Case 00001026',
};
const RECORD_REF = { id: RECORD.id, url: RECORD.url };
const caseRecord = (fields: Record<string, unknown>) => ({
  id: RECORD.id,
  url: RECORD.url,
  objectApiName: 'Case',
  fields,
});
const SF_USER = { name: 'Bob Builder', email: 'bob@acme.example' };

function jiraUser(name: string, displayName: string, accountId: string): JiraUser {
  return {
    accountId,
    name,
    key: `JIRAUSER-${name}`,
    displayName,
    emailAddress: `${name}@example.com`,
    pat: `NjM3-double-pat-${name}-${randomUUID()}`,
  };
}

function template(deployment: Deployment): Record<string, unknown> {
  return {
    id: 'a0B5g00000T3mPlAAB',
    name: 'Support cases',
    objectApiName: 'Case',
    connection: CONNECTION[deployment],
    projectKey: 'SUP',
    issueType: 'Bug',
    summary: '{{Subject}}',
    description: '{{Description}}',
    fields: [],
    remoteLink: true,
    allowComments: true,
    allowedTransitions: ['In Progress', 'Done'],
  };
}

describe.each(ENGINES)(
  'acting in Jira as the Salesforce user (per-user identity) on %s',
  (engine) => {
    let relay: TestRelay;
    let secret: string;
    let now = Date.now();
    const clock = { now: () => now };
    const doubles = {} as Record<Deployment, JiraDouble>;
    const users = {} as Record<Deployment, { bob: JiraUser; carol: JiraUser }>;
    const clients = new Map<string, AdminClient>();
    const browsers: OAuthBrowser[] = [];

    /** Signed calls as one Salesforce user (X-Relay-User). */
    const as = (userId: string): AdminClient => {
      let client = clients.get(userId);
      if (!client) {
        client = new AdminClient(relay, secret, userId, clock);
        clients.set(userId, client);
      }
      return client;
    };
    const admin = () => as(ADMIN_SF);

    async function setIdentity(deployment: Deployment, identity: string): Promise<void> {
      const answer = await admin().call('PATCH', `/v1/connections/${CONNECTION[deployment]}`, {
        identity,
      });
      expect(answer.status).toBe(200);
      expect(answer.body.identity).toBe(identity);
    }

    /** Cloud: the user's browser goes through Atlassian consent as `account`; DC: they save a PAT. */
    async function connectUser(
      deployment: Deployment,
      userId: string,
      account: JiraUser,
    ): Promise<void> {
      const name = CONNECTION[deployment];
      if (deployment === 'server') {
        const saved = await as(userId).call('PUT', `/v1/connections/${name}/me/token`, {
          token: account.pat,
        });
        expect(saved.status).toBe(200);
        return;
      }
      const started = await as(userId).call('POST', `/v1/connections/${name}/me/oauth/start`, {
        returnUrl: RETURN_URL,
      });
      expect(started.status).toBe(200);
      doubles.cloud.oauth!.consentAs = account;
      const browser = new OAuthBrowser(relay.url, PUBLIC_URL);
      browsers.push(browser);
      const { page } = await browser.authorize(started.body.authorizeUrl as string);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).toContain('Your Jira account is connected');
      expect(html).toContain(account.displayName);
    }

    /** Every Connect audit event so far. */
    async function connectEvents(): Promise<AuditEvent[]> {
      const rows = await relay.services.store.db
        .selectFrom('audit_outbox')
        .select('event')
        .where('operation', '=', 'Connect')
        .execute();
      return rows.map((row) => JSON.parse(row.event) as AuditEvent);
    }

    /** The audit events of one request (and of its `:<n>` parts), in order. */
    async function auditOf(requestId: string | null): Promise<AuditEvent[]> {
      const id = requestId ?? '';
      const rows = await relay.services.store.db
        .selectFrom('audit_outbox')
        .select('event')
        .where((eb) => eb.or([eb('request_id', '=', id), eb('request_id', 'like', `${id}:%`)]))
        .orderBy('request_id')
        .execute();
      return rows.map((row) => JSON.parse(row.event) as AuditEvent);
    }

    const comment = (deployment: Deployment, userId: string, key: string, text = 'Still failing') =>
      as(userId).call('POST', `/v1/issues/${key}/comments`, {
        connection: CONNECTION[deployment],
        body: text,
        record: RECORD_REF,
        user: SF_USER,
      });

    const seed = (deployment: Deployment) =>
      doubles[deployment].model.seedIssue('SUP', { summary: 'Checkout fails' });

    beforeAll(async () => {
      const [cloud, server] = await Promise.all([
        startJiraDouble({ deployment: 'cloud', now: () => now }),
        startJiraDouble({ deployment: 'server', now: () => now }),
      ]);
      Object.assign(doubles, { cloud, server });
      for (const deployment of DEPLOYMENTS) {
        const bob = jiraUser('bob', 'Bob Builder', '5b10a2844c20165700ede22b');
        const carol = jiraUser('carol', 'Carol Coder', '5b10a2844c20165700ede23c');
        doubles[deployment].model.users.push(bob, carol);
        users[deployment] = { bob, carol };
      }
      cloud.addSite({ id: CLOUD_ID, name: 'acme', url: HTTPS_SITE.cloud });
      relay = await startTestRelay({
        engine,
        clock,
        env: {
          RELAY_ALLOW_PRIVATE_UPSTREAMS: 'true',
          RELAY_PUBLIC_URL: PUBLIC_URL,
          ATLASSIAN_CLIENT_ID: cloud.oauth!.clientId,
          ATLASSIAN_CLIENT_SECRET: cloud.oauth!.clientSecret,
          ATLASSIAN_AUTH_URL: cloud.url,
          ATLASSIAN_API_URL: cloud.url,
        },
        serviceOptions: { jiraTransport: { baseDelayMs: 2, maxDelayMs: 10 } },
      });
      secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
      const connected = await Promise.all([
        admin().call('PUT', `/v1/connections/${CONNECTION.cloud}`, {
          deployment: 'cloud',
          baseUrl: cloud.url,
          auth: {
            method: 'api_token',
            email: 'ada@example.com',
            token: 'ATATT-double-api-token-ada',
          },
        }),
        admin().call('PUT', `/v1/connections/${CONNECTION.server}`, {
          deployment: 'server',
          baseUrl: server.url,
          auth: { method: 'pat', token: 'NjM3-double-pat-ada' },
        }),
      ]);
      for (const answer of connected) expect(answer.status).toBe(200);
      await setConnectionSite(relay, CONNECTION.cloud, HTTPS_SITE.cloud);
      await setConnectionSite(relay, CONNECTION.server, HTTPS_SITE.server);
    });

    afterAll(async () => {
      try {
        const exchanges = [...clients.values()].flatMap((client) => client.exchanges);
        expect(new RelayContractValidator().checkAll(exchanges)).toEqual([]);
      } finally {
        await relay.stop();
        await Promise.all(DEPLOYMENTS.map((d) => doubles[d].stop()));
      }
    });

    beforeEach(async () => {
      for (const double of Object.values(doubles)) {
        double.resetCounters();
        double.faults.clear();
      }
      // Every test starts with no user connected and the connections acting as themselves.
      for (const userId of [BOB_SF, CAROL_SF]) {
        await admin().call('DELETE', `/v1/user-grants/${userId}`);
      }
      for (const deployment of DEPLOYMENTS) await setIdentity(deployment, 'service');
    });

    afterEach(() => {
      expect([...doubles.cloud.violations, ...doubles.server.violations]).toEqual([]);
    });

    it('when the connection acts as its own account then a user cannot connect theirs, and /me says actions act as the connection', async () => {
      for (const deployment of DEPLOYMENTS) {
        const name = CONNECTION[deployment];
        const me = await as(BOB_SF).call('GET', `/v1/connections/${name}/me`);
        expect(me.status).toBe(200);
        expect(me.body).toEqual({
          connection: name,
          deployment,
          identity: 'service',
          connectMethod: deployment === 'cloud' ? 'oauth' : 'pat',
          grant: null,
          actsAs: 'service',
        });
        const connect =
          deployment === 'cloud'
            ? await as(BOB_SF).call('POST', `/v1/connections/${name}/me/oauth/start`, {
                returnUrl: RETURN_URL,
              })
            : await as(BOB_SF).call('PUT', `/v1/connections/${name}/me/token`, {
                token: users.server.bob.pat,
              });
        expect(connect.status).toBe(400);
        expect(connect.body).toMatchObject({ code: 'VALIDATION_FAILED' });
        expect(connect.body.detail).toMatch(/acts in Jira only as its own account/);
      }
      expect(doubles.server.jiraCalls).toBe(0);
    });

    it('when automation (no user) asks for its own Jira account then it is refused', async () => {
      await setIdentity('cloud', 'prefer_user');
      const answer = await as('-').call('GET', `/v1/connections/${CONNECTION.cloud}/me`);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        fieldErrors: [{ field: 'header.x-relay-user', message: 'expected a user id' }],
      });
    });

    it('when automation (no user) comments under require_user then it acts as the connection', async () => {
      await setIdentity('server', 'require_user');
      const issue = seed('server');
      const answer = await as('-').call('POST', `/v1/issues/${issue.key}/comments`, {
        connection: CONNECTION.server,
        body: 'Flow update',
        record: RECORD_REF,
      });
      expect(answer.status).toBe(201);
      expect(issue.comments[0]!.author.name).toBe('ada');
      const [event] = await auditOf(answer.headers.get('x-request-id'));
      expect(event).toMatchObject({ actingUserId: null, identity: 'service' });
    });

    it('when a Cloud user\u2019s Atlassian account does not reach the connection\u2019s site then nothing is stored, the page says so and the failed connect is audited', async () => {
      await setIdentity('cloud', 'prefer_user');
      const connectsBefore = new Set((await connectEvents()).map((event) => event.requestId));
      const oauth = doubles.cloud.oauth!;
      const sites = [...oauth.sites];
      oauth.sites.splice(0, oauth.sites.length, {
        id: '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d',
        name: 'beta',
        url: 'https://beta.atlassian.net',
        scopes: [],
      });
      try {
        const started = await as(BOB_SF).call(
          'POST',
          `/v1/connections/${CONNECTION.cloud}/me/oauth/start`,
          { returnUrl: RETURN_URL },
        );
        oauth.consentAs = users.cloud.bob;
        const browser = new OAuthBrowser(relay.url, PUBLIC_URL);
        browsers.push(browser);
        const { page } = await browser.authorize(started.body.authorizeUrl as string);
        expect(page.status).toBe(400);
        expect(await page.text()).toContain('has no access to the Jira site of connection');
      } finally {
        oauth.sites.splice(0, oauth.sites.length, ...sites);
      }
      const me = await as(BOB_SF).call('GET', `/v1/connections/${CONNECTION.cloud}/me`);
      expect(me.body.grant).toBeNull();
      const newConnects = (await connectEvents()).filter(
        (event) => !connectsBefore.has(event.requestId),
      );
      expect(newConnects).toEqual([
        expect.objectContaining({
          outcome: 'Denied',
          errorCode: 'JIRA_FORBIDDEN',
          actingUserId: BOB_SF,
          connection: CONNECTION.cloud,
          identity: 'user',
        }),
      ]);
    });

    it('when a user reconnects with another Jira account then their next action runs as the new one', async () => {
      await setIdentity('server', 'prefer_user');
      await connectUser('server', BOB_SF, users.server.bob);
      const issue = seed('server');
      await comment('server', BOB_SF, issue.key);
      await connectUser('server', BOB_SF, users.server.carol);
      await comment('server', BOB_SF, issue.key);
      expect(issue.comments.map((c) => c.author.name)).toEqual(['bob', 'carol']);
    });

    it('when a user connects on the other deployment\u2019s way then it is refused and names the right route', async () => {
      await setIdentity('cloud', 'prefer_user');
      await setIdentity('server', 'prefer_user');
      const patOnCloud = await as(BOB_SF).call(
        'PUT',
        `/v1/connections/${CONNECTION.cloud}/me/token`,
        {
          token: 'ATATT-whatever',
        },
      );
      expect(patOnCloud.status).toBe(400);
      expect(patOnCloud.body.detail).toMatch(/me\/oauth\/start/);
      const oauthOnDc = await as(BOB_SF).call(
        'POST',
        `/v1/connections/${CONNECTION.server}/me/oauth/start`,
        { returnUrl: RETURN_URL },
      );
      expect(oauthOnDc.status).toBe(400);
      expect(oauthOnDc.body.detail).toMatch(/me\/token/);
    });

    it('when a Server/DC user saves a PAT Jira refuses then nothing is stored and the answer says to paste a valid token', async () => {
      await setIdentity('server', 'prefer_user');
      const refused = await as(BOB_SF).call(
        'PUT',
        `/v1/connections/${CONNECTION.server}/me/token`,
        {
          token: 'NjM3-not-a-token-jira-knows',
        },
      );
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({
        code: 'VALIDATION_FAILED',
        fieldErrors: [{ field: 'token', message: 'refused by Jira' }],
      });
      const me = await as(BOB_SF).call('GET', `/v1/connections/${CONNECTION.server}/me`);
      expect(me.body.grant).toBeNull();
      const stored = await relay.services.vault.get(
        userGrantSecretRef(ORG_ID, CONNECTION.server, BOB_SF),
      );
      expect(stored).toBeUndefined();
    });

    describe.each(DEPLOYMENTS)('on %s', (deployment) => {
      const name = CONNECTION[deployment];

      it('when a user connected their own Jira account then /me shows it without any token and says their actions act as them', async () => {
        await setIdentity(deployment, 'prefer_user');
        const { bob } = users[deployment];
        await connectUser(deployment, BOB_SF, bob);

        const me = await as(BOB_SF).call('GET', `/v1/connections/${name}/me`);
        expect(me.status).toBe(200);
        expect(me.body).toMatchObject({
          identity: 'prefer_user',
          actsAs: 'user',
          grant: {
            authMethod: deployment === 'cloud' ? 'oauth' : 'pat',
            status: 'active',
            statusReason: null,
            account:
              deployment === 'cloud'
                ? { displayName: 'Bob Builder', accountId: bob.accountId }
                : { displayName: 'Bob Builder', name: 'bob' },
          },
        });
        // Nobody else sees Bob's grant.
        const carol = await as(CAROL_SF).call('GET', `/v1/connections/${name}/me`);
        expect(carol.body).toMatchObject({ grant: null, actsAs: 'service' });
        const connectEvents = (
          await relay.services.store.db
            .selectFrom('audit_outbox')
            .select('event')
            .where('operation', '=', 'Connect')
            .execute()
        ).map((row) => JSON.parse(row.event) as AuditEvent);
        expect(connectEvents).toContainEqual(
          expect.objectContaining({
            operation: 'Connect',
            outcome: 'Success',
            actingUserId: BOB_SF,
            connection: name,
            identity: 'user',
          }),
        );
      });

      it('when a connected user comments then Jira shows their account as the author and the body only links the record', async () => {
        await setIdentity(deployment, 'prefer_user');
        const { bob } = users[deployment];
        await connectUser(deployment, BOB_SF, bob);
        const issue = seed(deployment);

        const answer = await comment(deployment, BOB_SF, issue.key, 'Customer called again.');

        expect(answer.status).toBe(201);
        expect(issue.comments[0]!.author).toBe(bob);
        const text = JSON.stringify(issue.comments[0]!.body);
        expect(text).toContain('From Salesforce record');
        expect(text).not.toContain('Comment by');
        const [event] = await auditOf(answer.headers.get('x-request-id'));
        expect(event).toMatchObject({ operation: 'Comment', outcome: 'Success', identity: 'user' });
      });

      it('when a connected user comments while a view of the issue is under way then whoever opens it after sees the comment', async () => {
        await setIdentity(deployment, 'prefer_user');
        const { bob } = users[deployment];
        await connectUser(deployment, BOB_SF, bob);
        const issue = seed(deployment);
        const double = doubles[deployment];
        const api = deployment === 'cloud' ? '3' : '2';
        // Views read through the connection's own account; Bob's comment goes through his grant.
        // Jira reads the issue at once and answers a second later: that answer predates the comment.
        const issueRoute = `GET /rest/api/${api}/issue/{issueIdOrKey}`;
        double.faults.add({
          route: issueRoute,
          kind: 'afterHandling',
          delayMs: 1000,
        });
        const view = () =>
          as(CAROL_SF).call('GET', `/v1/issues/${issue.key}?connection=${CONNECTION[deployment]}`);
        const early = view();
        while (double.inFlight === 0) await new Promise((resolve) => setTimeout(resolve, 5));

        const commented = await comment(deployment, BOB_SF, issue.key, 'Customer called again.');
        expect(commented.status).toBe(201);
        expect(issue.comments[0]!.author).toBe(bob);
        expect(double.inFlight).toBe(1); // the early view's read is still under way

        const late = await view();
        expect(late.status).toBe(200);
        expect(late.body.commentCount).toBe(1);
        expect(double.callsTo(issueRoute)).toBe(2);
        const earlier = await early;
        expect(earlier.status).toBe(200);
        expect(earlier.body.commentCount).toBe(0);
      });

      it('when a connected user creates an issue then Jira shows their account as the reporter', async () => {
        await setIdentity(deployment, 'prefer_user');
        const { bob } = users[deployment];
        await connectUser(deployment, BOB_SF, bob);

        const answer = await as(BOB_SF).call(
          'POST',
          '/v1/issues',
          {
            template: template(deployment),
            record: caseRecord({ Subject: 'Checkout fails', Description: 'Card payments fail.' }),
            user: SF_USER,
          },
          { 'Idempotency-Key': `key-${randomUUID()}` },
        );

        expect(answer.status).toBe(201);
        const key = (answer.body.issue as { key: string }).key;
        expect(doubles[deployment].model.issue(key)!.reporter).toBe(bob);
        // Every Jira call of the create (metadata, create, remote link) ran as Bob.
        const rest = doubles[deployment].log.filter((entry) => entry.path.startsWith('/rest/'));
        expect(rest.map((entry) => entry.key)).toContain(
          `POST ${doubles[deployment].model.api}/issue`,
        );
        expect(new Set(rest.map((entry) => entry.actor))).toEqual(new Set(['bob']));
        const [event] = await auditOf(answer.headers.get('x-request-id'));
        expect(event).toMatchObject({ operation: 'Create', outcome: 'Success', identity: 'user' });
      });

      it('when a connected user links an issue and moves it on then both run as their Jira account, audited as user', async () => {
        await setIdentity(deployment, 'prefer_user');
        await connectUser(deployment, BOB_SF, users[deployment].bob);
        const issue = seed(deployment);
        const double = doubles[deployment];
        double.resetCounters();

        const linked = await as(BOB_SF).call('POST', `/v1/issues/${issue.key}/links`, {
          connection: name,
          record: RECORD,
          template: template(deployment),
        });
        const moved = await as(BOB_SF).call('POST', `/v1/issues/${issue.key}/transitions`, {
          connection: name,
          template: template(deployment),
          transition: { toStatus: 'In Progress' },
        });

        expect(linked.status).toBe(200);
        expect(moved.status).toBe(200);
        expect(issue.status.name).toBe('In Progress');
        const writes = double.log.filter((entry) => entry.method === 'POST');
        expect(writes.map((entry) => [entry.key, entry.actor])).toEqual([
          [`POST ${double.model.api}/issue/{issueIdOrKey}/remotelink`, 'bob'],
          [`POST ${double.model.api}/issue/{issueIdOrKey}/transitions`, 'bob'],
        ]);
        for (const answer of [linked, moved]) {
          const [event] = await auditOf(answer.headers.get('x-request-id'));
          expect(event).toMatchObject({ outcome: 'Success', identity: 'user' });
        }
      });

      it('when a user without a grant comments under prefer_user then the connection posts it with the attribution, audited as service', async () => {
        await setIdentity(deployment, 'prefer_user');
        await connectUser(deployment, BOB_SF, users[deployment].bob);
        const issue = seed(deployment);

        const answer = await comment(deployment, CAROL_SF, issue.key);

        expect(answer.status).toBe(201);
        expect(issue.comments[0]!.author.name).toBe('ada');
        expect(JSON.stringify(issue.comments[0]!.body)).toContain('Comment by');
        const [event] = await auditOf(answer.headers.get('x-request-id'));
        expect(event).toMatchObject({ outcome: 'Success', identity: 'service' });
      });

      it('when the connection acts as itself then even a connected user comments as the connection', async () => {
        await setIdentity(deployment, 'prefer_user');
        await connectUser(deployment, BOB_SF, users[deployment].bob);
        await setIdentity(deployment, 'service');
        const issue = seed(deployment);

        const answer = await comment(deployment, BOB_SF, issue.key);

        expect(answer.status).toBe(201);
        expect(issue.comments[0]!.author.name).toBe('ada');
        const [event] = await auditOf(answer.headers.get('x-request-id'));
        expect(event).toMatchObject({ identity: 'service' });
      });

      it('when the connection requires the user\u2019s account and they have none then actions are refused with JIRA_USER_NOT_CONNECTED and Jira is not called', async () => {
        await setIdentity(deployment, 'require_user');
        const issue = seed(deployment);
        doubles[deployment].resetCounters();

        const commented = await comment(deployment, CAROL_SF, issue.key);
        const key = `key-${randomUUID()}`;
        const created = await as(CAROL_SF).call(
          'POST',
          '/v1/issues',
          {
            template: template(deployment),
            record: caseRecord({ Subject: 'S', Description: 'D' }),
          },
          { 'Idempotency-Key': key },
        );

        for (const answer of [commented, created]) {
          expect(answer.status).toBe(403);
          expect(answer.body).toMatchObject({
            code: 'JIRA_USER_NOT_CONNECTED',
            userGrantStatus: 'none',
            connection: name,
          });
          expect(answer.body.detail).toMatch(/Connect your Jira account/);
          const [event] = await auditOf(answer.headers.get('x-request-id'));
          expect(event).toMatchObject({ outcome: 'Denied', errorCode: 'JIRA_USER_NOT_CONNECTED' });
        }
        expect(doubles[deployment].jiraCalls).toBe(0);
        expect(issue.comments).toHaveLength(0);
        const me = await as(CAROL_SF).call('GET', `/v1/connections/${name}/me`);
        expect(me.body).toMatchObject({ actsAs: 'refused', grant: null });

        // Refused before Jira: once connected, the same key creates the issue.
        await connectUser(deployment, CAROL_SF, users[deployment].carol);
        const retried = await as(CAROL_SF).call(
          'POST',
          '/v1/issues',
          {
            template: template(deployment),
            record: caseRecord({ Subject: 'S', Description: 'D' }),
          },
          { 'Idempotency-Key': key },
        );
        expect(retried.status).toBe(201);
      });

      it('when one user\u2019s grant stops working then that user is told to reconnect and another user still acts as themselves', async () => {
        await setIdentity(deployment, 'require_user');
        const { bob, carol } = users[deployment];
        await connectUser(deployment, BOB_SF, bob);
        await connectUser(deployment, CAROL_SF, carol);
        if (deployment === 'cloud') {
          // Bob removed the app in Atlassian; every access token has expired by now.
          doubles.cloud.oauth!.revokeGrantsOf(bob);
          now += 2 * 3600 * 1000;
        } else {
          bob.pat = `revoked-${randomUUID()}`;
        }
        const issue = seed(deployment);

        const bobs = await comment(deployment, BOB_SF, issue.key);
        const carols = await comment(deployment, CAROL_SF, issue.key);

        expect(bobs.status).toBe(403);
        expect(bobs.body).toMatchObject({
          code: 'JIRA_USER_NOT_CONNECTED',
          userGrantStatus: 'needs_reauth',
        });
        expect(carols.status).toBe(201);
        expect(issue.comments.map((c) => c.author)).toEqual([carol]);
        const me = await as(BOB_SF).call('GET', `/v1/connections/${name}/me`);
        expect(me.body).toMatchObject({ actsAs: 'refused', grant: { status: 'needs_reauth' } });
        const counts = await admin().call('GET', '/v1/user-grants');
        expect(counts.body.connections).toContainEqual({
          name,
          identity: 'require_user',
          connectedUsers: 2,
          needsReauth: 1,
        });
        // The connection itself is untouched.
        const connection = (
          (await admin().call('GET', '/v1/connections')).body.connections as { name: string }[]
        ).find((c) => c.name === name);
        expect(connection).toMatchObject({ status: 'active' });

        // Under prefer_user, Bob's next comment falls back to the connection.
        await setIdentity(deployment, 'prefer_user');
        const fallback = await comment(deployment, BOB_SF, issue.key);
        expect(fallback.status).toBe(201);
        expect(issue.comments.at(-1)!.author.name).toBe('ada');
      });

      it('when a user disconnects then their credential is gone and their next action acts as the connection', async () => {
        await setIdentity(deployment, 'prefer_user');
        await connectUser(deployment, BOB_SF, users[deployment].bob);

        const disconnected = await as(BOB_SF).call('DELETE', `/v1/connections/${name}/me`);

        expect(disconnected.status).toBe(204);
        expect(
          await relay.services.vault.get(userGrantSecretRef(ORG_ID, name, BOB_SF)),
        ).toBeUndefined();
        const issue = seed(deployment);
        const answer = await comment(deployment, BOB_SF, issue.key);
        expect(issue.comments[0]!.author.name).toBe('ada');
        const [event] = await auditOf(answer.headers.get('x-request-id'));
        expect(event).toMatchObject({ identity: 'service' });
        const again = await as(BOB_SF).call('DELETE', `/v1/connections/${name}/me`);
        expect(again.status).toBe(204);
      });
    });

    it('when a connected user\u2019s access token has expired then two of their actions at once refresh it once, and the rotated grant is stored', async () => {
      await setIdentity('cloud', 'prefer_user');
      await connectUser('cloud', BOB_SF, users.cloud.bob);
      const oauth = doubles.cloud.oauth!;
      const refreshes = () =>
        oauth.tokenRequests.filter((r) => r.grant_type === 'refresh_token').length;
      const before = refreshes();
      now += 2 * 3600 * 1000;
      const issue = seed('cloud');

      const answers = await Promise.all([
        comment('cloud', BOB_SF, issue.key, 'one'),
        comment('cloud', BOB_SF, issue.key, 'two'),
      ]);

      expect(answers.map((a) => a.status)).toEqual([201, 201]);
      expect(refreshes() - before).toBe(1);
      expect(issue.comments.map((c) => c.author.name)).toEqual(['bob', 'bob']);
      const me = await as(BOB_SF).call('GET', `/v1/connections/${CONNECTION.cloud}/me`);
      const grant = me.body.grant as { accessTokenExpiresAt: string; status: string };
      expect(grant.status).toBe('active');
      expect(Date.parse(grant.accessTokenExpiresAt)).toBeGreaterThan(now);
      const stored = JSON.parse(
        (await relay.services.vault.get(userGrantSecretRef(ORG_ID, CONNECTION.cloud, BOB_SF)))!,
      ) as { refreshToken: string };
      expect(stored.refreshToken).toBe(oauth.issuedRefreshTokens().at(-1));
    });

    it('when an admin revokes one user then all of that user\u2019s grants go, others stay, and counts follow', async () => {
      for (const deployment of DEPLOYMENTS) {
        await setIdentity(deployment, 'prefer_user');
        await connectUser(deployment, BOB_SF, users[deployment].bob);
        await connectUser(deployment, CAROL_SF, users[deployment].carol);
      }
      const before = await admin().call('GET', '/v1/user-grants');
      expect(before.body).toEqual({
        connections: [
          { name: 'cloud', identity: 'prefer_user', connectedUsers: 2, needsReauth: 0 },
          { name: 'dc', identity: 'prefer_user', connectedUsers: 2, needsReauth: 0 },
        ],
      });

      const revoked = await admin().call('DELETE', `/v1/user-grants/${BOB_SF}`);

      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ userId: BOB_SF, revokedConnections: ['cloud', 'dc'] });
      const after = await admin().call('GET', '/v1/user-grants');
      expect(
        (after.body.connections as { connectedUsers: number }[]).map((c) => c.connectedUsers),
      ).toEqual([1, 1]);
      for (const deployment of DEPLOYMENTS) {
        const name = CONNECTION[deployment];
        expect(
          await relay.services.vault.get(userGrantSecretRef(ORG_ID, name, BOB_SF)),
        ).toBeUndefined();
        expect(
          await relay.services.vault.get(userGrantSecretRef(ORG_ID, name, CAROL_SF)),
        ).toBeDefined();
        const issue = seed(deployment);
        await comment(deployment, BOB_SF, issue.key);
        await comment(deployment, CAROL_SF, issue.key);
        expect(issue.comments.map((c) => c.author.name)).toEqual(['ada', 'carol']);
      }
      const events = await auditOf(revoked.headers.get('x-request-id'));
      expect(events).toEqual(
        ['cloud', 'dc'].map((connection) =>
          expect.objectContaining({
            operation: 'Disconnect',
            outcome: 'Success',
            actingUserId: ADMIN_SF,
            recordId: BOB_SF,
            connection,
            identity: 'user',
          }),
        ),
      );
    });

    it('when an admin revokes with something that is not a user id then it is refused', async () => {
      const answer = await admin().call('DELETE', '/v1/user-grants/not-a-user');
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('when users connected and acted then no token of theirs is in any answer, page, log line or store row', async () => {
      for (const deployment of DEPLOYMENTS) {
        await setIdentity(deployment, 'prefer_user');
        await connectUser(deployment, BOB_SF, users[deployment].bob);
        await comment(deployment, BOB_SF, seed(deployment).key);
      }
      const oauth = doubles.cloud.oauth!;
      const secrets = [
        users.server.bob.pat!,
        ...oauth.issuedRefreshTokens(),
        ...oauth.tokenRequests.flatMap((r) => [
          String(r.code ?? ''),
          String(r.refresh_token ?? ''),
        ]),
      ].filter((s) => s.length > 8);
      const everyAnswer = new AdminClient(relay, secret);
      for (const client of clients.values()) everyAnswer.responses.push(...client.responses);
      for (const browser of browsers) everyAnswer.responses.push(...browser.pages);
      expectNoSecretLeaks(relay, everyAnswer, secrets);
      const rows = JSON.stringify(
        await relay.services.store.db.selectFrom('user_grants').selectAll().execute(),
      );
      for (const token of secrets) expect(rows).not.toContain(token);
      // Atlassian's access tokens (JWT-like in the double) appear nowhere either.
      expect(rows).not.toMatch(/eyJhbGciOiJSUzI1NiJ9/);
      expect(relay.logs.text).not.toMatch(/eyJhbGciOiJSUzI1NiJ9/);
      expect(everyAnswer.responses.join('\n')).not.toMatch(/eyJhbGciOiJSUzI1NiJ9/);
    });

    // Last: it deletes and re-creates a connection of the shared world.
    it('when an admin deletes a connection then every user grant under it goes with it', async () => {
      await setIdentity('server', 'prefer_user');
      await connectUser('server', BOB_SF, users.server.bob);
      await connectUser('server', CAROL_SF, users.server.carol);

      const deleted = await admin().call('DELETE', `/v1/connections/${CONNECTION.server}`);

      expect(deleted.status).toBe(204);
      const rows = await relay.services.store.db
        .selectFrom('user_grants')
        .selectAll()
        .where('connection_name', '=', CONNECTION.server)
        .execute();
      expect(rows).toEqual([]);
      for (const userId of [BOB_SF, CAROL_SF]) {
        expect(
          await relay.services.vault.get(userGrantSecretRef(ORG_ID, CONNECTION.server, userId)),
        ).toBeUndefined();
      }
      const again = await admin().call('PUT', `/v1/connections/${CONNECTION.server}`, {
        deployment: 'server',
        baseUrl: doubles.server.url,
        auth: { method: 'pat', token: 'NjM3-double-pat-ada' },
      });
      expect(again.status).toBe(200);
      expect(again.body.identity).toBe('service');
      const me = await as(BOB_SF).call('GET', `/v1/connections/${CONNECTION.server}/me`);
      expect(me.body.grant).toBeNull();
    });
  },
);
