import { nonCanonicalReason } from '../../src/http/middleware/canonical-path';
import { ORG_ID, type TestRelay } from '../support/relay';
import { rawRequest, signedRawRequest, type RawAnswer } from '../support/raw-http';
import {
  CONNECTION,
  RECORD,
  USER,
  startIssueActionsWorld,
  type IssueActionsWorld,
} from '../operations/view-fixture';
import { millisOfUuidV7, UUID_V7 } from '../support/uuid-v7';

/**
 * One spelling per route. Every check that reads the path before routing (the request id that
 * becomes the audit id, the signature mount on /v1) must agree with the handler the request
 * reaches; so any other spelling of a route reaches no handler at all.
 */

/** Other spellings of a path, each of which some HTTP stack would treat as the same. */
function otherSpellings(path: string): string[] {
  const [first = '', ...rest] = path.slice(1).split('/');
  const tail = rest.join('/');
  return [
    `/${first.toUpperCase()}/${tail}`,
    `/${first}/${tail.replace(/^[a-z]/, (c) => c.toUpperCase())}`,
    `/${path}`,
    `/${first}//${tail}`,
    `/${first}/./${tail}`,
    `/${first}/../${first}/${tail}`,
    `/%${first.charCodeAt(0).toString(16)}${first.slice(1)}/${tail}`,
    `/${first}/%${tail.charCodeAt(0).toString(16).toUpperCase()}${tail.slice(1)}`,
    `${path}/`,
  ];
}

describe('the spelling of a request path', () => {
  let world: IssueActionsWorld;
  let relay: TestRelay;
  let secret: string;

  beforeAll(async () => {
    world = await startIssueActionsWorld();
    relay = world.relay;
    ({ secret } = await relay.services.tenants.rotateSecret(ORG_ID));
  });
  afterAll(() => world.stop());

  const auditIds = async () =>
    (
      await relay.services.store.db
        .selectFrom('audit_outbox')
        .select('request_id')
        .where('operation', '=', 'Comment')
        .execute()
    ).map((row) => row.request_id);

  const comment = (path: string, requestId?: string): Promise<RawAnswer> =>
    signedRawRequest(relay.url, {
      method: 'POST',
      path,
      orgId: ORG_ID,
      secret,
      body: JSON.stringify({
        connection: CONNECTION.cloud,
        body: 'Customer called again',
        record: { id: RECORD.id, url: RECORD.url },
        user: USER,
      }),
      headers: requestId ? { 'X-Request-Id': requestId } : {},
    });

  it('when an earlier operation’s request id is sent again on any spelling of its route then no second operation runs behind that id', async () => {
    const issue = world.seed('cloud');
    const path = `/v1/issues/${issue.key}/comments`;
    const first = await comment(path);
    expect(first.status).toBe(201);
    const firstId = first.headers['x-request-id'] as string;

    for (const spelling of otherSpellings(path)) {
      const again = await comment(spelling, firstId);
      expect({ spelling, status: again.status, code: JSON.parse(again.text).code }).toEqual({
        spelling,
        status: 404,
        code: 'NOT_FOUND',
      });
      expect(again.headers['x-request-id']).not.toBe(firstId);
    }
    // The canonical route with the borrowed id runs, under an id of the relay's own.
    const honest = await comment(path, firstId);
    expect(honest.status).toBe(201);
    expect(honest.headers['x-request-id']).not.toBe(firstId);

    expect(issue.comments).toHaveLength(2);
    const ids = await auditIds();
    expect(ids.sort()).toEqual([firstId, honest.headers['x-request-id']].sort());
  });

  it.each(['/healthz', '/readyz', '/metrics'])(
    'when %s is spelled otherwise then it is not served',
    async (path) => {
      for (const spelling of [path.toUpperCase(), `${path}/`, `/${path}`, `/.${path}`]) {
        const answer = await rawRequest(relay.url, { method: 'GET', path: spelling });
        expect({ spelling, status: answer.status }).toEqual({ spelling, status: 404 });
      }
    },
  );

  it('when tenant registration or the OAuth callback is spelled otherwise then it is not served', async () => {
    const { code } = await relay.services.tenants.createRegistrationCode({
      orgId: '00D5g000004NEWORGA',
      ttlMs: 60_000,
    });
    for (const spelling of [
      '/V1/tenants/register',
      '/v1/tenants/register/',
      '/v1/Tenants/register',
    ]) {
      const answer = await rawRequest(relay.url, {
        method: 'POST',
        path: spelling,
        headers: { 'Content-Type': 'application/json', 'X-Relay-Registration': code },
        body: JSON.stringify({ orgId: '00D5g000004NEWORGA', name: 'New' }),
      });
      // Another /v1 path: refused for its missing signature, or as no route at all.
      expect({ spelling, refused: [401, 404].includes(answer.status) }).toEqual({
        spelling,
        refused: true,
      });
    }
    for (const spelling of ['/OAUTH/callback?state=x', '/oauth/callback/?state=x']) {
      const answer = await rawRequest(relay.url, { method: 'GET', path: spelling });
      expect({ spelling, status: answer.status }).toEqual({ spelling, status: 404 });
    }
    expect((await relay.services.tenants.list()).map((t) => t.orgId)).toEqual([ORG_ID]);
  });

  it('when a signed path holds broken percent-encoding then the answer is 404, not a failure', async () => {
    for (const path of ['/v1/issues/%E0%A4%A/comments', '/v1/issues/SUP-1%/comments', '/v1/%']) {
      const answer = await comment(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(JSON.parse(answer.text)).toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('when a caller brings its own X-Request-Id then only the health routes keep it', async () => {
    const inbound = 'lb-probe-12345678';
    const kept = await rawRequest(relay.url, {
      method: 'GET',
      path: '/healthz',
      headers: { 'X-Request-Id': inbound },
    });
    expect(kept.headers['x-request-id']).toBe(inbound);
    for (const path of ['/v1/connections', '/oauth/callback', '/no-such-route', '/HEALTHZ']) {
      const answer = await rawRequest(relay.url, {
        method: 'GET',
        path,
        headers: { 'X-Request-Id': inbound },
      });
      expect({ path, id: answer.headers['x-request-id'] }).toEqual({
        path,
        // The relay's own: a version 7 UUID, made in the last minute (it keys the audit outbox).
        id: expect.stringMatching(UUID_V7),
      });
      const madeAt = millisOfUuidV7(answer.headers['x-request-id'] as string);
      expect(Math.abs(Date.now() - madeAt)).toBeLessThan(60_000);
    }
  });
});

describe('the canonical form of a path', () => {
  it.each([
    ['/v1/issues/SUP-42/comments'],
    ['/v1/connections/default'],
    ['/'],
    ['/v1/issues/SUP-42%20x'],
    ['/v1/connections/a%2Fb'],
  ])('when the path is %s then it is canonical', (path) => {
    expect(nonCanonicalReason(path)).toBeUndefined();
  });

  it.each([
    ['/v1/issues/', 'ends with "/"'],
    ['//v1/issues', 'empty segment'],
    ['/v1//issues', 'empty segment'],
    ['/v1/./issues', '"." or ".."'],
    ['/v1/../v1/issues', '"." or ".."'],
    ['/v1/issues/..', '"." or ".."'],
    ['/%761/issues', 'percent-encodes "v"'],
    ['/v1/issues/SUP%2D42', 'percent-encodes "-"'],
    ['/v1/%2e%2e/issues', 'percent-encodes "."'],
    ['/v1/issues/%zz', 'two hex digits'],
    ['/v1/issues/SUP-42%', 'two hex digits'],
    ['/v1/issues#x', 'characters'],
    ['/v1/issues\\x', 'characters'],
    ['http://relay/v1/issues', 'start with "/"'],
    ['*', 'start with "/"'],
  ])('when the path is %s then it is refused (%s)', (path, reason) => {
    expect(nonCanonicalReason(path)).toContain(reason);
  });
});
