import { Agent } from 'undici';
import { apiTokenAuth } from '../../src/jira/auth/api-token';
import { patAuth } from '../../src/jira/auth/pat';
import { defaultTransportSettings, JiraTransport, type Send } from '../../src/jira/transport';
import { openApiValidator, startJiraDouble, type JiraDouble } from '../support/jira-double';

const adf = (text: string) => ({
  type: 'doc',
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});

describe.each(['cloud', 'server'] as const)(
  'the Jira double (%s) against Atlassian’s OpenAPI document',
  (deployment) => {
    let jira: JiraDouble;
    let dispatcher: Agent;
    let send: Send;
    const api = deployment === 'cloud' ? '/rest/api/3' : '/rest/api/2';
    const text = (value: string) => (deployment === 'cloud' ? adf(value) : value);

    beforeAll(async () => {
      jira = await startJiraDouble({ deployment });
      dispatcher = new Agent();
      send = new JiraTransport({
        baseUrl: jira.url,
        auth:
          deployment === 'cloud'
            ? apiTokenAuth({ email: 'ada@example.com', token: 'ATATT-double-api-token-ada' })
            : patAuth({ token: 'NjM3-double-pat-ada' }),
        dispatcher,
        settings: defaultTransportSettings,
        clock: { now: Date.now },
      }).send;
    });
    afterAll(async () => {
      await dispatcher.close();
      await jira.stop();
    });

    it('when every route the relay uses is exercised then nothing violates the document', async () => {
      expect((await send({ method: 'GET', path: `${api}/myself` })).status).toBe(200);
      expect((await send({ method: 'GET', path: `${api}/serverInfo` })).body).toMatchObject({
        deploymentType: deployment === 'cloud' ? 'Cloud' : 'Server',
      });

      const created = await send({
        method: 'POST',
        path: `${api}/issue`,
        body: {
          fields: {
            project: { key: 'SUP' },
            issuetype: { id: '10004' },
            summary: 'Checkout fails',
            description: text('Customer reports checkout fails'),
            priority: { name: 'High' },
            labels: ['salesforce'],
          },
        },
      });
      expect(created.status).toBe(201);
      const key = (created.body as { key: string }).key;
      expect(key).toBe('SUP-1');

      const issue = await send({
        method: 'GET',
        path: `${api}/issue/${key}`,
        query: { expand: 'renderedFields,transitions' },
      });
      expect(issue.body).toMatchObject({
        key,
        fields: { summary: 'Checkout fails', status: { name: 'To Do' } },
      });
      expect(
        (
          await send({
            method: 'PUT',
            path: `${api}/issue/${key}`,
            body: { fields: { summary: 'Checkout still fails' } },
          })
        ).status,
      ).toBe(204);

      const comment = await send({
        method: 'POST',
        path: `${api}/issue/${key}/comment`,
        body: { body: text('On it') },
      });
      expect(comment.status).toBe(201);
      expect(
        (await send({ method: 'GET', path: `${api}/issue/${key}/comment` })).body,
      ).toMatchObject({ total: 1 });

      const link = {
        globalId: 'salesforce:00D5g000004ABCDEAY:5005g00000AbCdE',
        application: { type: 'com.salesforce', name: 'Salesforce' },
        object: { url: 'https://acme.my.salesforce.com/5005g00000AbCdE', title: 'Case 00001026' },
      };
      const first = await send({
        method: 'POST',
        path: `${api}/issue/${key}/remotelink`,
        body: link,
      });
      const again = await send({
        method: 'POST',
        path: `${api}/issue/${key}/remotelink`,
        body: { ...link, object: { ...link.object, title: 'Case 00001026 (renamed)' } },
      });
      expect([first.status, again.status]).toEqual([deployment === 'cloud' ? 201 : 200, 200]);
      expect((again.body as { id: number }).id).toBe((first.body as { id: number }).id);
      expect(
        (await send({ method: 'GET', path: `${api}/issue/${key}/remotelink` })).body,
      ).toHaveLength(1);

      const transitions = await send({ method: 'GET', path: `${api}/issue/${key}/transitions` });
      // A new SUP issue is To Do: "Start work" and "Resolve" lead on, "Reopen" is not offered.
      expect(
        (transitions.body as { transitions: { name: string }[] }).transitions.map((t) => t.name),
      ).toEqual(['Start work', 'Resolve']);
      expect(
        (
          await send({
            method: 'POST',
            path: `${api}/issue/${key}/transitions`,
            body: { transition: { id: '31' } },
          })
        ).status,
      ).toBe(204);

      const types = await send({ method: 'GET', path: `${api}/issue/createmeta/SUP/issuetypes` });
      expect(JSON.stringify(types.body)).toContain('Bug');
      const fields = await send({
        method: 'GET',
        path: `${api}/issue/createmeta/SUP/issuetypes/10004`,
      });
      expect(JSON.stringify(fields.body)).toContain('customfield_10050');

      if (deployment === 'cloud') {
        const page1 = await send({
          method: 'POST',
          path: `${api}/search/jql`,
          idempotent: true,
          body: { jql: 'project = SUP', maxResults: 1, fields: ['summary', 'status'] },
        });
        expect(page1.body).toMatchObject({ isLast: true, issues: [{ key }] });
        await send({
          method: 'GET',
          path: `${api}/search/jql`,
          query: { jql: `key in (${key}, SUP-99)`, fields: 'summary' },
        });
        expect(
          (await send({ method: 'GET', path: `${api}/project/search`, query: { query: 'sup' } }))
            .body,
        ).toMatchObject({ values: [{ key: 'SUP' }] });
      } else {
        const found = await send({
          method: 'POST',
          path: `${api}/search`,
          idempotent: true,
          body: { jql: `key in (${key})`, fields: ['summary', 'status'] },
        });
        expect(found.body).toMatchObject({ total: 1, issues: [{ key }] });
      }
      const picked = await send({
        method: 'GET',
        path: `${api}/issue/picker`,
        query: { query: 'checkout' },
      });
      expect(JSON.stringify(picked.body)).toContain(key);

      expect(jira.violations).toEqual([]);
    });

    it('when a file is uploaded then the double answers as Jira: 403 without no-check, 413 over its limit, else a list with the attachment', async () => {
      const key = jira.model.seedIssue('SUP', { summary: 'Upload target' }).key;
      const upload = (headers: Record<string, string>, bytes: number) => {
        const boundary = 'double-test-boundary';
        const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.log"\r\n\r\n`;
        const tail = `\r\n--${boundary}--\r\n`;
        return send({
          method: 'POST',
          path: `${api}/issue/${key}/attachments`,
          headers,
          upload: {
            contentType: `multipart/form-data; boundary=${boundary}`,
            body: (async function* () {
              yield Buffer.from(head);
              yield Buffer.alloc(bytes, 7);
              yield Buffer.from(tail);
            })(),
          },
          acceptStatuses: [403, 413],
        });
      };
      expect((await upload({}, 10)).status).toBe(403);
      jira.attachmentLimitBytes = 1000;
      try {
        expect((await upload({ 'x-atlassian-token': 'no-check' }, 5000)).status).toBe(413);
        const added = await upload({ 'x-atlassian-token': 'no-check' }, 1000);
        expect(added.status).toBe(200);
        expect(added.body).toEqual([expect.objectContaining({ filename: 'a.log', size: 1000 })]);
      } finally {
        jira.attachmentLimitBytes = 100 * 1024 * 1024;
      }
      expect(jira.attachments.at(-1)).toMatchObject({ issueKey: key, size: 1000 });
      expect(jira.violations).toEqual([]);
    });

    it('when a request is off the OpenAPI document then the double refuses it with 400, as Jira does, and records it', async () => {
      const seen = jira.violations.length;
      const refused = send({
        method: 'POST',
        path: `${api}/issue/SUP-1/transitions`,
        body: { transition: 'Done' },
      });
      await expect(refused).rejects.toThrow('Jira answered 400');
      await expect(refused).rejects.toThrow('/transition must be object');
      expect(jira.violations.slice(seen)).toEqual([
        expect.stringContaining('/transition must be object'),
      ]);
      jira.violations.length = seen;
    });

    it('when a response drifts from the document then the validator says so', () => {
      const validator = openApiValidator(deployment);
      const problems = validator.validateResponse(
        'GET',
        `${api}/myself`,
        200,
        deployment === 'cloud' ? { accountId: 7, surprise: true } : { active: 'yes' },
      );
      expect(problems.length).toBeGreaterThan(0);
      expect(
        validator.validateRequest('GET', `${api}/no-such-thing`, new URLSearchParams(), undefined),
      ).toEqual([expect.stringContaining('no such operation')]);
    });
  },
);
