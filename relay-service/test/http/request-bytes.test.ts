import { deflateSync, gzipSync } from 'node:zlib';
import { MAX_JSON_DEPTH, MAX_JSON_OBJECT_MEMBERS } from '../../src/http/json-body';
import { ORG_ID, startTestRelay, type TestRelay } from '../support/relay';
import { rawRequest, signedRawRequest, slowClient, type RawAnswer } from '../support/raw-http';

/**
 * What the relay accepts as request bytes: uncompressed UTF-8 JSON, nested within a limit,
 * arriving in time. Anything else is refused before a route acts on it, on signed routes and
 * on tenant registration alike, and a refusal is never larger than the request.
 */

const BODY_TIMEOUT_MS = 400;

const template = {
  id: 'a0B5g00000T3mPlAAB',
  name: 'Support cases',
  objectApiName: 'Case',
  connection: 'default',
  projectKey: 'SUP',
  issueType: 'Bug',
  summary: '{{Subject}}',
  remoteLink: false,
  allowComments: true,
};
const record = (fields: Record<string, unknown>) => ({
  id: '5005g00000Q1w2eAAB',
  url: 'https://acme.my.salesforce.com/5005g00000Q1w2eAAB',
  objectApiName: 'Case',
  fields,
});

/** JSON with `levels` arrays around a value, e.g. [[[1]]]. */
const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
/** JSON with `levels` objects around a value, e.g. {"A":{"A":1}}: what record fields may hold. */
const nestedObjects = (levels: number) => `${'{"A":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('request bytes', () => {
  let relay: TestRelay;
  let secret: string;

  beforeAll(async () => {
    relay = await startTestRelay({
      env: {
        RELAY_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS),
        RELAY_HEADERS_TIMEOUT_MS: '1000',
        RELAY_TENANT_RATE_LIMIT_PER_MINUTE: '100000',
      },
    });
    secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
  });
  afterAll(() => relay.stop());

  const signed = (
    path: string,
    body: Buffer | string,
    headers: Record<string, string> = {},
    signedBody?: Buffer | string,
  ) =>
    signedRawRequest(relay.url, {
      method: 'POST',
      path,
      orgId: ORG_ID,
      secret,
      body,
      headers,
      ...(signedBody !== undefined ? { signedBody } : {}),
    });

  const problemOf = (answer: RawAnswer) => {
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    return JSON.parse(answer.text) as Record<string, unknown> & { detail: string };
  };

  // The code is bound to the org the body names, so only the bytes can be what is refused.
  const register = async (
    orgId: string,
    body: Buffer | string,
    headers: Record<string, string>,
  ) => {
    const { code } = await relay.services.tenants.createRegistrationCode({ orgId, ttlMs: 60_000 });
    return rawRequest(relay.url, {
      method: 'POST',
      path: '/v1/tenants/register',
      headers: { 'Content-Type': 'application/json', 'X-Relay-Registration': code, ...headers },
      body,
    });
  };
  const registered = async () => (await relay.services.tenants.list()).map((t) => t.orgId);

  describe('content codings', () => {
    const json = JSON.stringify({ template, record: record({ Subject: 'x' }) });
    it.each([
      ['gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['GZIP', gzipSync(json)],
      ['identity, gzip', gzipSync(json)],
      ['br', Buffer.from(json)],
    ])(
      'when a signed body comes with Content-Encoding %s then 415 UNSUPPORTED_MEDIA_TYPE, whichever bytes were signed',
      async (coding, bytes) => {
        for (const signedBytes of [bytes, Buffer.from(json)]) {
          const answer = await signed(
            '/v1/templates/preview',
            bytes,
            { 'Content-Encoding': coding },
            signedBytes,
          );
          expect(answer.status).toBe(415);
          expect(problemOf(answer)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', status: 415 });
        }
      },
    );

    it('when a signed body says Content-Encoding identity then it is read as sent', async () => {
      const answer = await signed('/v1/templates/preview', json, {
        'Content-Encoding': 'identity',
      });
      // Past the body checks: the template's connection does not exist.
      expect(problemOf(answer)).toMatchObject({ code: 'CONNECTION_NOT_FOUND' });
    });

    it('when a registration body is compressed then 415 and no tenant is registered', async () => {
      const body = JSON.stringify({ orgId: '00D5g000004GZIPAAA', name: 'Gzip' });
      const answer = await register('00D5g000004GZIPAAA', gzipSync(body), {
        'Content-Encoding': 'gzip',
      });
      expect(answer.status).toBe(415);
      expect(problemOf(answer)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      expect(await registered()).not.toContain('00D5g000004GZIPAAA');
    });
  });

  describe('charsets', () => {
    const json = JSON.stringify({ template, record: record({ Subject: 'Grüße' }) });
    it.each([
      ['utf-16', Buffer.from(json, 'utf16le')],
      ['UTF-16LE', Buffer.from(json, 'utf16le')],
      ['utf-16', Buffer.from(json, 'utf8')],
      ['iso-8859-1', Buffer.from(json, 'latin1')],
      ['"windows-1252"', Buffer.from(json, 'latin1')],
    ])(
      'when a signed body declares charset=%s then 415 UNSUPPORTED_MEDIA_TYPE',
      async (charset, bytes) => {
        const answer = await signed('/v1/templates/preview', bytes, {
          'Content-Type': `application/json; charset=${charset}`,
        });
        expect(answer.status).toBe(415);
        expect(problemOf(answer)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
      },
    );

    it.each(['utf-8', 'UTF-8', '"utf-8"', 'utf8'])(
      'when a signed body declares charset=%s then it is read',
      async (charset) => {
        const answer = await signed('/v1/templates/preview', json, {
          'Content-Type': `application/json; charset=${charset}`,
        });
        expect(problemOf(answer)).toMatchObject({ code: 'CONNECTION_NOT_FOUND' });
      },
    );

    it('when a registration body is UTF-16 then 415 and no tenant is registered', async () => {
      const body = JSON.stringify({ orgId: '00D5g000004UTF16AA', name: 'Sixteen' });
      const answer = await register('00D5g000004UTF16AA', Buffer.from(body, 'utf16le'), {
        'Content-Type': 'application/json; charset=utf-16',
      });
      expect(answer.status).toBe(415);
      expect(await registered()).not.toContain('00D5g000004UTF16AA');
    });

    it('when a signed body is not valid UTF-8 then 400 VALIDATION_FAILED says so', async () => {
      const bytes = Buffer.concat([
        Buffer.from('{"template":{"name":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}}'),
      ]);
      const answer = await signed('/v1/templates/preview', bytes);
      expect(answer.status).toBe(400);
      expect(problemOf(answer)).toMatchObject({
        code: 'VALIDATION_FAILED',
        detail: expect.stringContaining('UTF-8'),
      });
    });
  });

  describe('nesting depth', () => {
    /** A body that is valid but for one value, which is `deep`: only the depth can refuse it. */
    const withDeep = (body: unknown) => (deep: string) =>
      JSON.stringify(body).replace('"__DEEP__"', deep);
    const deepRecord = record({ Subject: 'x', Description: '__DEEP__' });
    it.each([
      ['/v1/templates/preview', withDeep({ template, record: deepRecord })],
      ['/v1/issues', withDeep({ template, record: deepRecord, user: null })],
      ['/v1/issues/bulk', withDeep({ template, records: [deepRecord], user: null })],
      [
        '/v1/issues/SUP-1/comments',
        withDeep({
          connection: 'default',
          body: 'x',
          record: { id: deepRecord.id, url: deepRecord.url },
          template: { ...template, summary: '__DEEP__' },
        }),
      ],
      ['/v1/connections/default/oauth/start', withDeep({ returnUrl: '__DEEP__' })],
    ])(
      'when a body to %s nests deeper than the limit then 400 VALIDATION_FAILED, never a failure',
      async (path, bodyWith) => {
        for (const levels of [100_000, MAX_JSON_DEPTH + 1]) {
          const answer = await signed(path, bodyWith(nestedObjects(levels)), {
            'Idempotency-Key': `deep-${levels}-${Math.random()}`,
          });
          expect({ levels, status: answer.status }).toEqual({ levels, status: 400 });
          expect(problemOf(answer)).toMatchObject({
            code: 'VALIDATION_FAILED',
            detail: expect.stringContaining(`${MAX_JSON_DEPTH} levels`),
          });
        }
      },
    );

    it('when a body nests exactly to the limit, or holds brackets in strings, then the depth is no reason to refuse it', async () => {
      const atLimit = `{"template":{},"record":${nested(MAX_JSON_DEPTH - 1)}}`;
      const inStrings = JSON.stringify({ template: { name: `${'[{'.repeat(5_000)}\\"` } });
      for (const body of [atLimit, inStrings]) {
        const problem = problemOf(await signed('/v1/templates/preview', body));
        expect(problem.detail).not.toContain('levels deep');
      }
    });
  });

  describe('object width', () => {
    const members = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`F${i}`, 1]));

    it('when an object in a signed body has more members than the limit then 400 VALIDATION_FAILED before validation', async () => {
      const body = JSON.stringify({
        template,
        record: record(members(MAX_JSON_OBJECT_MEMBERS + 1)),
      });
      const answer = await signed('/v1/templates/preview', body);
      expect(answer.status).toBe(400);
      expect(problemOf(answer)).toMatchObject({
        code: 'VALIDATION_FAILED',
        detail: expect.stringContaining(`more than ${MAX_JSON_OBJECT_MEMBERS} members`),
      });
    });

    it('when a registration body has fifty thousand members then 400 and nothing is registered', async () => {
      const body = JSON.stringify({
        orgId: '00D5g000004WIDEAAA',
        name: 'Wide',
        ...members(50_000),
      });
      const answer = await register('00D5g000004WIDEAAA', body, {});
      expect(answer.status).toBe(400);
      expect(problemOf(answer)).toMatchObject({
        code: 'VALIDATION_FAILED',
        detail: expect.stringContaining('members'),
      });
      expect(await registered()).not.toContain('00D5g000004WIDEAAA');
    });

    it('when colons and braces appear inside strings then they are not counted', async () => {
      const body = JSON.stringify({ template: { name: '{a:1,b:2}'.repeat(2_000) } });
      expect(problemOf(await signed('/v1/templates/preview', body)).detail).not.toContain(
        'members',
      );
    });
  });

  describe('answers to large bad requests', () => {
    const bytesOf = (answer: RawAnswer) => Buffer.byteLength(answer.text);

    it('when a record holds hundreds of unreferenced fields then the answer lists a few and counts the rest, and is smaller than the request', async () => {
      const fields: Record<string, unknown> = { Subject: 'Checkout fails' };
      for (let i = 0; i < 900; i += 1) fields[`F${i}`] = 1;
      const body = JSON.stringify({ template, record: record(fields) });
      const answer = await signed('/v1/templates/preview', body);
      const problem = problemOf(answer);
      expect(problem).toMatchObject({
        code: 'TEMPLATE_DATA_UNMAPPED',
        unmappedTotal: 900,
        fieldErrorsTotal: 900,
      });
      expect(problem.unmapped).toHaveLength(20);
      expect(problem.fieldErrors).toHaveLength(20);
      expect(problem.detail).toContain('and 895 more');
      expect(bytesOf(answer)).toBeLessThan(Buffer.byteLength(body));
    });

    it('when a record holds hundreds of bad field names then fieldErrors are capped and the answer is smaller than the request', async () => {
      const fields: Record<string, unknown> = { Subject: 'x' };
      for (let i = 0; i < 900; i += 1) fields[`${i}bad`] = 1;
      const body = JSON.stringify({ template, record: record(fields) });
      const answer = await signed('/v1/templates/preview', body);
      const problem = problemOf(answer);
      expect(problem).toMatchObject({ code: 'VALIDATION_FAILED', fieldErrorsTotal: 900 });
      expect(problem.fieldErrors).toHaveLength(20);
      expect(bytesOf(answer)).toBeLessThan(Buffer.byteLength(body));
    });

    it('when a template has a hundred bad field mappings then the answer is smaller than the request', async () => {
      const fields = Array.from({ length: 100 }, (_, i) => ({
        jiraField: `bad field ${i}`,
        value: `{{Bad Path ${i}}}`,
      }));
      const body = JSON.stringify({ template: { ...template, fields }, record: record({}) });
      const answer = await signed('/v1/templates/preview', body);
      const problem = problemOf(answer);
      expect(problem).toMatchObject({ code: 'TEMPLATE_INVALID', fieldErrorsTotal: 200 });
      expect(problem.fieldErrors).toHaveLength(20);
      expect(bytesOf(answer)).toBeLessThan(Buffer.byteLength(body));
    });
  });

  describe('slow requests', () => {
    const head = (path: string, extra = '') =>
      `POST ${path} HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: 200\r\n${extra}\r\n{"template":`;

    it.each([
      ['a signed route', '/v1/templates/preview'],
      ['tenant registration', '/v1/tenants/register'],
    ])(
      'when the body to %s trickles in too slowly then 408 REQUEST_TIMEOUT and the connection is closed',
      async (_what, path) => {
        const client = await slowClient(relay.url, head(path));
        const { received, afterMs } = await client.closed;
        expect(received).toMatch(/^HTTP\/1\.1 408 /);
        expect(received).toMatch(/connection: close/i);
        const problem = JSON.parse(received.slice(received.indexOf('\r\n\r\n') + 4)) as {
          code: string;
        };
        expect(problem.code).toBe('REQUEST_TIMEOUT');
        expect(afterMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
        expect(afterMs).toBeLessThan(BODY_TIMEOUT_MS + 4_000);
      },
    );

    it('when the body arrives in pieces but within the bound then it is read', async () => {
      const body = JSON.stringify({ template, record: record({ Subject: 'x' }) });
      const client = await slowClient(
        relay.url,
        `POST /v1/tenants/register HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      );
      for (let i = 0; i < body.length; i += Math.ceil(body.length / 4)) {
        client.socket.write(body.slice(i, i + Math.ceil(body.length / 4)));
        await new Promise((resolve) => setTimeout(resolve, BODY_TIMEOUT_MS / 8));
      }
      const { received } = await client.closed;
      // Read and judged: no registration code was given.
      expect(received).toMatch(/^HTTP\/1\.1 401 /);
    });

    it('when the headers never finish then the server closes the connection within its bound', async () => {
      const client = await slowClient(relay.url, 'GET /healthz HTTP/1.1\r\nHost: relay\r\n');
      const { received, afterMs } = await client.closed;
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
      expect(afterMs).toBeLessThan(5_000);
    });

    it('when a slow request was cut then the relay keeps serving others', async () => {
      const client = await slowClient(relay.url, head('/v1/templates/preview'));
      await client.closed;
      expect((await rawRequest(relay.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
      expect(relay.logs.text).not.toMatch(/"level":50.*request\.aborted/);
    });
  });
});
