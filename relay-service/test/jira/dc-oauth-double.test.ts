import { createHash } from 'node:crypto';
import {
  DC_AUTHORIZE_PATH,
  DC_CONSENT_PATH,
  DC_TOKEN_PATH,
  startJiraDouble,
  type IncomingLink,
  type JiraDouble,
} from '../support/jira-double';

const REDIRECT = 'https://relay.example.test/oauth/callback';
const VERIFIER = 'v'.repeat(20) + 'e'.repeat(23);
const challengeOf = (verifier: string) =>
  createHash('sha256').update(verifier, 'ascii').digest('base64url');

/**
 * The Data Center double's OAuth 2.0 provider against what Atlassian documents for Jira's
 * incoming application links (see dc-oauth-provider.ts), over real HTTP.
 */
describe('the Jira Data Center double as an OAuth 2.0 provider', () => {
  let jira: JiraDouble;
  let link: IncomingLink;
  let now: number;

  beforeAll(async () => {
    now = 1_800_000_000_000;
    jira = await startJiraDouble({ deployment: 'server', now: () => now });
  });
  afterAll(() => jira.stop());
  beforeEach(() => {
    link = jira.dcOAuth!.createIncomingLink({ redirectUri: REDIRECT });
  });

  const authorizeQuery = (overrides: Record<string, string | undefined> = {}) => {
    const query = new URLSearchParams();
    const values: Record<string, string | undefined> = {
      client_id: link.clientId,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'WRITE',
      state: 'state-1',
      code_challenge: challengeOf(VERIFIER),
      code_challenge_method: 'S256',
      ...overrides,
    };
    for (const [key, value] of Object.entries(values))
      if (value !== undefined) query.set(key, value);
    return query;
  };

  const get = (path: string) => fetch(`${jira.url}${path}`, { redirect: 'manual' });
  const postForm = (path: string, form: Record<string, string>, init: RequestInit = {}) =>
    fetch(`${jira.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams(form),
      ...init,
    });

  /** The consent page for a query, then Allow (or Deny): where Jira sends the browser. */
  async function consent(
    query: URLSearchParams,
    decision: 'allow' | 'deny' = 'allow',
  ): Promise<URL> {
    const page = await get(`${DC_AUTHORIZE_PATH}?${query.toString()}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain(`action="${DC_CONSENT_PATH}"`);
    const id = /name="consent" value="([^"]+)"/.exec(html)?.[1] as string;
    const answered = await postForm(DC_CONSENT_PATH, { consent: id, decision });
    expect(answered.status).toBe(302);
    return new URL(answered.headers.get('location') as string);
  }

  async function code(query = authorizeQuery()): Promise<string> {
    return (await consent(query)).searchParams.get('code') as string;
  }

  const token = (form: Record<string, string>, init?: RequestInit) =>
    postForm(DC_TOKEN_PATH, form, init);
  const clientAuth = () => ({ client_id: link.clientId, client_secret: link.clientSecret });

  async function exchange(extra: Record<string, string> = {}) {
    const answer = await token({
      grant_type: 'authorization_code',
      code: await code(),
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...clientAuth(),
      ...extra,
    });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  }

  it('when the client id or redirect URL is wrong then an error page is shown and the browser is not redirected', async () => {
    for (const query of [
      authorizeQuery({ client_id: 'unknown' }),
      authorizeQuery({ redirect_uri: 'https://evil.example/callback' }),
    ]) {
      const answer = await get(`${DC_AUTHORIZE_PATH}?${query.toString()}`);
      expect(answer.status).toBe(400);
      expect(answer.headers.get('location')).toBeNull();
    }
  });

  it('when the scope is unknown or beyond the link, or the response type is not code, then the browser goes back with the error', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ scope: 'EVERYTHING' }, 'invalid_scope'],
      [{ scope: 'ADMIN' }, 'invalid_scope'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ code_challenge_method: 'S512' }, 'invalid_request'],
    ];
    for (const [overrides, error] of cases) {
      const answer = await get(`${DC_AUTHORIZE_PATH}?${authorizeQuery(overrides).toString()}`);
      expect(answer.status).toBe(302);
      const back = new URL(answer.headers.get('location') as string);
      expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
      expect(Object.fromEntries(back.searchParams)).toEqual({ error, state: 'state-1' });
    }
  });

  it('when the user denies then the browser goes back with access_denied and the state', async () => {
    const back = await consent(authorizeQuery(), 'deny');
    expect(Object.fromEntries(back.searchParams)).toEqual({
      error: 'access_denied',
      state: 'state-1',
    });
  });

  it('when the user allows then the code and state come back, and the code buys a bearer token with a refresh token, an hour and the scope', async () => {
    const back = await consent(authorizeQuery());
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT);
    expect(back.searchParams.get('state')).toBe('state-1');
    const answer = await token({
      grant_type: 'authorization_code',
      code: back.searchParams.get('code') as string,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...clientAuth(),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 3600,
      refresh_token: expect.any(String),
      scope: 'WRITE',
    });
  });

  it('when the parameters come in the query string then they count as in a form body (one servlet reads both)', async () => {
    const params = new URLSearchParams({
      grant_type: 'authorization_code',
      code: await code(),
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...clientAuth(),
    });
    const answer = await fetch(`${jira.url}${DC_TOKEN_PATH}?${params.toString()}`, {
      method: 'POST',
    });
    expect(answer.status).toBe(200);
    expect(jira.dcOAuth!.tokenRequests.at(-1)!.inQuery).toContain('client_secret');
  });

  it('when the verifier is missing or wrong then the code is refused with invalid_grant, and is spent', async () => {
    const spent = await code();
    for (const verifier of [undefined, 'w'.repeat(43), VERIFIER]) {
      const answer = await token({
        grant_type: 'authorization_code',
        code: spent,
        redirect_uri: REDIRECT,
        ...(verifier ? { code_verifier: verifier } : {}),
        ...clientAuth(),
      });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toMatchObject({ error: 'invalid_grant' });
    }
    expect((await exchange({ code_verifier: 'w'.repeat(43) })).body.error).toBe('invalid_grant');
  });

  it('when a plain challenge was sent then the verifier itself must match', async () => {
    const plain = await code(
      authorizeQuery({ code_challenge: VERIFIER, code_challenge_method: 'plain' }),
    );
    const answer = await token({
      grant_type: 'authorization_code',
      code: plain,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...clientAuth(),
    });
    expect(answer.status).toBe(200);
  });

  it('when a code is replayed then it is refused and the tokens bought with it stop working', async () => {
    const once = await code();
    const form = {
      grant_type: 'authorization_code',
      code: once,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...clientAuth(),
    };
    const first = (await (await token(form)).json()) as { access_token: string };
    const myself = () =>
      fetch(`${jira.url}/rest/api/2/myself`, {
        headers: { authorization: `Bearer ${first.access_token}` },
      });
    expect((await myself()).status).toBe(200);
    const replay = await token(form);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await myself()).status).toBe(401);
  });

  it('when a code is older than ten seconds, or the redirect URI differs, then it is refused', async () => {
    const late = await code();
    now += 10_001;
    const expired = await token({
      grant_type: 'authorization_code',
      code: late,
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...clientAuth(),
    });
    expect(await expired.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await exchange({ redirect_uri: 'https://relay.example.test/other' })).body.error).toBe(
      'invalid_grant',
    );
  });

  it('when the client is not authenticated by its id and secret parameters then it is invalid_client (401)', async () => {
    const basicOnly = await token(
      { grant_type: 'authorization_code', code: await code(), redirect_uri: REDIRECT },
      {
        headers: {
          authorization: `Basic ${Buffer.from(`${link.clientId}:${link.clientSecret}`).toString('base64')}`,
        },
      },
    );
    expect(basicOnly.status).toBe(401);
    expect(await basicOnly.json()).toEqual({
      error: 'invalid_client',
      error_description: expect.any(String),
    });
    expect((await exchange({ client_secret: 'wrong' })).status).toBe(401);
    // A JSON body is not read: the parameters are missing.
    const json = await fetch(`${jira.url}${DC_TOKEN_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', ...clientAuth() }),
    });
    expect(json.status).toBe(401);
  });

  it('when a refresh token is used then both tokens rotate and the old refresh token and access token stop working', async () => {
    const granted = (await exchange()).body as { access_token: string; refresh_token: string };
    const refresh = (refreshToken: string, extra: Record<string, string> = {}) =>
      token({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        redirect_uri: REDIRECT,
        ...clientAuth(),
        ...extra,
      });
    const withoutRedirect = await token({
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token,
      ...clientAuth(),
    });
    expect(await withoutRedirect.json()).toMatchObject({ error: 'invalid_grant' });

    const rotated = await refresh(granted.refresh_token);
    expect(rotated.status).toBe(200);
    const next = (await rotated.json()) as { access_token: string; refresh_token: string };
    expect(next.refresh_token).not.toBe(granted.refresh_token);
    const reused = await refresh(granted.refresh_token);
    expect(reused.status).toBe(400);
    expect(await reused.json()).toMatchObject({ error: 'invalid_grant' });
    const bearer = (value: string) =>
      fetch(`${jira.url}/rest/api/2/myself`, { headers: { authorization: `Bearer ${value}` } });
    expect((await bearer(granted.access_token)).status).toBe(401);
    expect((await bearer(next.access_token)).status).toBe(200);
    // The rotated token works, once.
    expect((await refresh(next.refresh_token)).status).toBe(200);
  });

  it('when tokens expire then Jira answers 401 for the access token (an hour) and invalid_grant for the refresh token (90 days)', async () => {
    const granted = (await exchange()).body as { access_token: string; refresh_token: string };
    now += 3600 * 1000;
    const late = await fetch(`${jira.url}/rest/api/2/myself`, {
      headers: { authorization: `Bearer ${granted.access_token}` },
    });
    expect(late.status).toBe(401);
    now += 90 * 24 * 3600 * 1000;
    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token,
      redirect_uri: REDIRECT,
      ...clientAuth(),
    });
    expect(await refreshed.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('when the user revokes the app or the admin deletes the link then tokens stop and refreshes fail', async () => {
    const granted = (await exchange()).body as { access_token: string; refresh_token: string };
    jira.dcOAuth!.revokeAll();
    const bearer = await fetch(`${jira.url}/rest/api/2/myself`, {
      headers: { authorization: `Bearer ${granted.access_token}` },
    });
    expect(bearer.status).toBe(401);
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: granted.refresh_token,
      redirect_uri: REDIRECT,
      ...clientAuth(),
    });
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });

    const client = clientAuth();
    jira.dcOAuth!.deleteIncomingLink();
    const gone = await token({
      grant_type: 'refresh_token',
      refresh_token: 'anything',
      redirect_uri: REDIRECT,
      ...client,
    });
    expect(gone.status).toBe(401);
    expect(await gone.json()).toMatchObject({ error: 'invalid_client' });
  });

  it('when a READ token writes then Jira refuses it, while it may read and search', async () => {
    link = jira.dcOAuth!.createIncomingLink({ redirectUri: REDIRECT, scope: 'READ' });
    const answer = await token({
      grant_type: 'authorization_code',
      code: await code(authorizeQuery({ scope: 'READ' })),
      redirect_uri: REDIRECT,
      code_verifier: VERIFIER,
      ...clientAuth(),
    });
    const { access_token: read } = (await answer.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${read}`, 'content-type': 'application/json' };
    expect((await fetch(`${jira.url}/rest/api/2/myself`, { headers })).status).toBe(200);
    const search = await fetch(`${jira.url}/rest/api/2/search`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jql: 'project = SUP', maxResults: 1 }),
    });
    expect(search.status).toBe(200);
    const write = await fetch(`${jira.url}/rest/api/2/issue/SUP-1/comment`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ body: 'hello' }),
    });
    expect(write.status).toBe(403);
  });

  it('then no request the provider served counted as a Jira REST violation', () => {
    expect(jira.violations).toEqual([]);
  });
});
