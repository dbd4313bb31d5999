import { errorCatalog } from '../../src/lib/errors';
import { ORG_ID, USER_ID, signedFetch } from '../support/relay';
import { ENGINES } from '../support/stores';
import {
  USER,
  caseRecord,
  incidentTemplate,
  newKey,
  newRecordId,
  startCreateWorld,
  type CreateWorld,
} from '../operations/create-fixtures';

/**
 * Hostile input on every door: each request gets a clear 4xx with a stable code from the
 * error catalog, nothing is written (no issue, no stored answer; a refused operation only
 * leaves its Failed audit event), nothing is sent to Jira, and the relay keeps serving.
 */

jest.setTimeout(60_000);

interface Abuse {
  name: string;
  method: string;
  path: string;
  /** A JSON value (serialised) or raw text sent as it is. */
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

const record = () => caseRecord(newRecordId());
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const comment = (body: unknown) => ({
  connection: 'cloud',
  body,
  record: { id: '5005g00000Q1w2eAAB', url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB' },
  user: USER,
});

const ISSUE_KEYS = [
  '..%2F..%2Fadmin',
  '..',
  'SUP-1%2F..%2F..%2Fmyself',
  '%2E%2E%2Fserverinfo',
  'SUP-1%0D%0ASet-Cookie:x=1',
  'SUP-1%0AX-Injected:1',
  'SUP-1%20OR%20project%3DOPS',
  'SUP-1)%20OR%20(project%20is%20not%20EMPTY',
  'SUP-1%22%20OR%20key%20!%3D%20%22',
  'SUP-1%00',
  'SUP-1%E2%80%AE',
  'SUP-%ED%A0%80',
  `SUP-${'9'.repeat(300)}`,
];

function abuses(): Abuse[] {
  return [
    { name: 'malformed JSON', method: 'POST', path: '/v1/issues', raw: '{"template": {' },
    { name: 'JSON with a trailing comma', method: 'POST', path: '/v1/issues', raw: '{"a":1,}' },
    { name: 'a JSON string, not an object', method: 'POST', path: '/v1/issues', raw: '"issue"' },
    { name: 'JSON nested 10,000 deep', method: 'POST', path: '/v1/issues', raw: nested(10_000) },
    {
      name: 'an object nested 100 deep in a record field',
      method: 'POST',
      path: '/v1/issues',
      raw: `{"template":${JSON.stringify(incidentTemplate('cloud'))},"record":{"id":"5005g00000Q1w2eAAB","url":"https://acme.my.salesforce.com/x","objectApiName":"Case","fields":{"Subject":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}}}`,
    },
    {
      name: 'wrong types (template a number, record a string)',
      method: 'POST',
      path: '/v1/issues',
      body: { template: 42, record: 'Case' },
    },
    {
      name: 'a field list where an object belongs',
      method: 'POST',
      path: '/v1/issues',
      body: { template: incidentTemplate('cloud'), record: { ...record(), fields: ['Subject'] } },
    },
    {
      name: 'an oversized body (2 MB)',
      method: 'POST',
      path: '/v1/issues',
      body: {
        template: incidentTemplate('cloud'),
        record: caseRecord(newRecordId(), { Description: 'x'.repeat(2 * 1024 * 1024) }),
      },
    },
    {
      name: 'NUL in the connection name',
      method: 'POST',
      path: '/v1/issues',
      body: { template: incidentTemplate('cl\u0000oud'), record: record() },
    },
    {
      name: 'an RTL override in the connection name',
      method: 'POST',
      path: '/v1/issues',
      body: { template: incidentTemplate('\u202ecloud'), record: record() },
    },
    {
      name: 'a lone surrogate in the project key',
      method: 'POST',
      path: '/v1/issues',
      body: { template: incidentTemplate('cloud', { projectKey: 'OPS\ud800' }), record: record() },
    },
    {
      name: 'a JQL fragment as project key',
      method: 'POST',
      path: '/v1/issues',
      body: {
        template: incidentTemplate('cloud', { projectKey: 'OPS OR project is not EMPTY' }),
        record: record(),
      },
    },
    {
      name: 'a merge field that never closes',
      method: 'POST',
      path: '/v1/issues',
      body: { template: incidentTemplate('cloud', { summary: '{{Subject' }), record: record() },
    },
    {
      name: 'a merge field nested in a merge field',
      method: 'POST',
      path: '/v1/issues',
      body: {
        template: incidentTemplate('cloud', { summary: '{{ {{Subject}} }}' }),
        record: record(),
      },
    },
    {
      name: 'an Idempotency-Key with a CR LF smuggled as text',
      method: 'POST',
      path: '/v1/issues',
      body: { template: incidentTemplate('cloud'), record: record() },
      headers: { 'Idempotency-Key': 'key%0D%0AX-Injected: 1' },
    },
    {
      name: 'a number where the comment text belongs',
      method: 'POST',
      path: '/v1/issues/SUP-1/comments',
      body: comment(42),
    },
    {
      // Control characters are dropped from a comment's text; nothing is left to post.
      name: 'a comment of NULs and other control characters only',
      method: 'POST',
      path: '/v1/issues/SUP-1/comments',
      body: comment('\u0000\u0000\u0007\u001b\u007f'),
    },
    {
      name: 'a status list with a JQL fragment',
      method: 'GET',
      path: `/v1/issues?connection=cloud&keys=${encodeURIComponent('SUP-1) OR (project is not EMPTY')}`,
    },
    {
      name: 'a status list with a CR LF',
      method: 'GET',
      path: `/v1/issues?connection=cloud&keys=${encodeURIComponent('SUP-1\r\nSUP-2')}`,
    },
    ...ISSUE_KEYS.flatMap((key): Abuse[] => [
      { name: `view of key ${key}`, method: 'GET', path: `/v1/issues/${key}?connection=cloud` },
      {
        name: `comment on key ${key}`,
        method: 'POST',
        path: `/v1/issues/${key}/comments`,
        body: comment('Hello'),
      },
      {
        name: `link of key ${key}`,
        method: 'POST',
        path: `/v1/issues/${key}/links`,
        body: { connection: 'cloud', record: comment('x').record },
      },
    ]),
  ];
}

describe.each(ENGINES)('abusive requests on %s', (engine) => {
  let world: CreateWorld;

  beforeAll(async () => {
    world = await startCreateWorld({ engine });
  });
  afterAll(() => world.stop());

  const counts = async () => ({
    jiraCalls: world.cloud.jiraCalls + world.server.jiraCalls,
    issues: world.cloud.model.issues.size + world.server.model.issues.size,
    outbox: Number(
      (
        await world.relay.services.store.db
          .selectFrom('audit_outbox')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    idempotency: Number(
      (
        await world.relay.services.store.db
          .selectFrom('idempotency_records')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });

  it('when hostile input arrives on every door then each answer is a 4xx with a catalogued code, nothing is written or sent to Jira, and the relay stays healthy', async () => {
    const all = abuses();
    world.cloud.resetCounters();
    world.server.resetCounters();
    const before = await counts();
    const answers: string[] = [];
    for (const abuse of all) {
      const body = abuse.raw ?? (abuse.body === undefined ? undefined : JSON.stringify(abuse.body));
      const response = await signedFetch(world.relay.url, {
        method: abuse.method,
        path: abuse.path,
        body,
        orgId: ORG_ID,
        userId: USER_ID,
        secret: world.secret,
        headers: { 'Idempotency-Key': newKey(), ...abuse.headers },
      });
      const text = await response.text();
      const problem = JSON.parse(text) as { code?: string };
      answers.push(`${response.status} ${problem.code}  ${abuse.name}`);
      expect({
        abuse: abuse.name,
        status: response.status >= 400 && response.status < 500,
      }).toEqual({
        abuse: abuse.name,
        status: true,
      });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(Object.keys(errorCatalog)).toContain(problem.code);
    }
    const after = await counts();
    process.stdout.write(
      `abuse: ${all.length} hostile requests -> ${answers.filter((a) => /^4/.test(a)).length} answered 4xx; Jira calls ${after.jiraCalls - before.jiraCalls}, issues ${after.issues - before.issues}, audit rows ${after.outbox - before.outbox}, stored answers ${after.idempotency - before.idempotency}\n${answers.join('\n')}\n`,
    );
    // A refused operation is still audited (as Failed or Denied): that is the only write.
    expect({ ...after, outbox: 0 }).toEqual({ ...before, outbox: 0 });
    const audited = await world.relay.services.store.db
      .selectFrom('audit_outbox')
      .select('event')
      .orderBy('created_at')
      .execute();
    const added = audited
      .slice(before.outbox)
      .map((row) => JSON.parse(row.event) as { outcome: string });
    expect(added.filter((event) => event.outcome === 'Success')).toEqual([]);
    expect((await fetch(`${world.relay.url}/healthz`)).status).toBe(200);
    // And a good request still works.
    const good = await world.call(
      'POST',
      '/v1/issues',
      { template: incidentTemplate('cloud'), record: record() },
      { 'Idempotency-Key': newKey() },
    );
    expect(good.status).toBe(201);
  });

  it('when any signed header of a good create is changed or left out then it is refused 401, nothing is written or sent to Jira, and the relay stays healthy', async () => {
    const body = JSON.stringify({ template: incidentTemplate('cloud'), record: record() });
    const SIGNED = [
      'X-Relay-Org',
      'X-Relay-User',
      'X-Relay-Timestamp',
      'X-Relay-Nonce',
      'X-Relay-Signature',
    ];
    // The last character swapped for another one of the same kind (digit or letter).
    const changed = (value: string) =>
      value.slice(0, -1) +
      (/\d$/.test(value) ? (value.endsWith('1') ? '2' : '1') : value.endsWith('A') ? 'B' : 'A');
    const tampers: [string, (headers: Record<string, string>) => void][] = SIGNED.flatMap(
      (name): [string, (headers: Record<string, string>) => void][] => [
        [`${name} changed`, (headers) => (headers[name] = changed(headers[name] as string))],
        [`${name} left out`, (headers) => delete headers[name]],
      ],
    );
    world.cloud.resetCounters();
    const before = await counts();
    for (const [name, tamper] of tampers) {
      const response = await signedFetch(world.relay.url, {
        method: 'POST',
        path: '/v1/issues',
        body,
        orgId: ORG_ID,
        userId: USER_ID,
        secret: world.secret,
        headers: { 'Idempotency-Key': newKey() },
        tamper,
      });
      const problem = (await response.json()) as { code?: string };
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
      expect(Object.keys(errorCatalog)).toContain(problem.code);
    }
    expect(await counts()).toEqual(before);
    expect((await fetch(`${world.relay.url}/healthz`)).status).toBe(200);
  });

  it('when record values try to break out of ADF or wiki markup then the Jira payload carries them as plain text', async () => {
    const breakout = [
      '"}]},{"type":"mention","attrs":{"id":"admin"}}',
      '{code}rm -rf /{code} [evil|javascript:alert(1)] !http://x/y.png! {{Subject}}',
      'h1. Heading\nbq. quote\n* list\n|| table ||',
      '<script>alert(1)</script>\u202e\u0000',
    ].join('\n');
    for (const deployment of ['cloud', 'server'] as const) {
      const connection = deployment === 'cloud' ? 'cloud' : 'dc';
      const preview = await world.call('POST', '/v1/templates/preview', {
        template: incidentTemplate(connection),
        record: caseRecord(newRecordId(), { Description: breakout }),
      });
      expect(preview.status).toBe(200);
      const description = (preview.body.payload as { fields: { description: unknown } }).fields
        .description;
      if (deployment === 'cloud') {
        const nodes = JSON.stringify(description);
        // Only paragraphs, text and hard breaks: the quote marks stayed inside a text node.
        expect(nodes).not.toContain('"type":"mention"');
        expect(nodes).toContain('{code}rm -rf /{code}');
      } else {
        const wiki = description as string;
        expect(wiki).not.toMatch(/(^|[^\\\\]){code}/);
        expect(wiki).not.toMatch(/(^|[^\\\\])\[evil/);
        expect(wiki).not.toMatch(/^h1\./m);
        expect(wiki).not.toContain('{{Subject}}');
      }
    }
  });
});
