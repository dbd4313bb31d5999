import {
  ORG_ID,
  TEST_METRICS_TOKEN,
  metricsOf,
  signedFetch,
  startTestRelay,
  type TestRelay,
} from '../support/relay';

describe('logging, health and metrics', () => {
  let relay: TestRelay;
  let secret: string;

  beforeAll(async () => {
    relay = await startTestRelay();
    secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
  });
  afterAll(() => relay.stop());

  it('when a request carries credentials then none of them reach the log', async () => {
    const bearer = 'eyJhbGciOiJIUzI1NiJ9.secret-access-token-value';
    const registration = 'prc_registration-code-value-123';
    await fetch(`${relay.url}/healthz`, {
      headers: { Authorization: `Bearer ${bearer}`, Cookie: 'session=cookie-secret-value' },
    });
    await fetch(`${relay.url}/v1/tenants/register`, {
      method: 'POST',
      headers: { 'X-Relay-Registration': registration, 'Content-Type': 'application/json' },
      body: JSON.stringify({ orgId: ORG_ID, name: 'x' }),
    });
    const response = await signedFetch(relay.url, {
      method: 'GET',
      path: '/v1/connections',
      orgId: ORG_ID,
      secret,
    });
    const signature = response.headers.get('x-request-id');
    await fetch(
      `${relay.url}/oauth/callback?code=oauth-code-value-987&state=oauth-state-value-654`,
    );
    relay.services.logger.info(
      {
        auth: { token: 'nested-token-value', password: 'nested-password-value' },
        clientSecret: 'client-secret-value',
        pkce: { code_verifier: 'pkce-verifier-value' },
      },
      'bound object',
    );

    const log = relay.logs.text;
    expect(log).toContain(signature ?? 'missing');
    for (const secretValue of [
      bearer,
      registration,
      'cookie-secret-value',
      secret,
      'oauth-code-value-987',
      'oauth-state-value-654',
      'nested-token-value',
      'nested-password-value',
      'client-secret-value',
      'pkce-verifier-value',
    ]) {
      expect(log).not.toContain(secretValue);
    }
    expect(log).toContain('[redacted]');
  });

  it('when a signed request is logged then its signature header is redacted', () => {
    const lines = relay.logs.lines.map(
      (line) => JSON.parse(line) as { req?: { headers?: Record<string, string> } },
    );
    const signed = lines.find((line) => line.req?.headers?.['x-relay-org']);
    expect(signed?.req?.headers?.['x-relay-signature']).toBe('[redacted]');
  });

  it('when the store is reachable then /readyz is 200, and /healthz is 200', async () => {
    expect((await fetch(`${relay.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${relay.url}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('when requests were served then /metrics counts them by route and status', async () => {
    await signedFetch(relay.url, { method: 'GET', path: '/v1/connections', orgId: ORG_ID, secret });
    await fetch(`${relay.url}/no-such-route`);
    const text = await metricsOf(relay);
    expect(text).toMatch(
      /relay_http_requests_total\{method="GET",route="\/v1\/connections",status="200"\} \d+/,
    );
    expect(text).toMatch(
      /relay_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/healthz",status="200"\}/,
    );
    expect(text).toMatch(
      /relay_http_requests_total\{method="GET",route="unmatched",status="404"\}/,
    );
  });
});

describe('readiness and metrics switches', () => {
  it('when the store is closed then /readyz answers 503 problem+json', async () => {
    const relay = await startTestRelay();
    await relay.services.store.close();
    const response = await fetch(`${relay.url}/readyz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await relay.handle.stop();
  });

  it('when metrics are disabled then /metrics is not served', async () => {
    const relay = await startTestRelay({ env: { RELAY_METRICS_ENABLED: 'false' } });
    expect((await fetch(`${relay.url}/metrics`)).status).toBe(404);
    await relay.stop();
  });

  it('when no metrics token is configured then /metrics is not served to anyone', async () => {
    const relay = await startTestRelay({ env: { RELAY_METRICS_TOKEN: '' } });
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: `Bearer ${TEST_METRICS_TOKEN}` },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${relay.url}/metrics`, { headers });
      expect(response.status).toBe(404);
      const text = await response.text();
      expect(text).not.toContain('relay_http_requests_total');
      expect(JSON.parse(text)).toMatchObject({ code: 'NOT_FOUND' });
    }
    await relay.stop();
  });
});

describe('metrics behind a bearer token', () => {
  let relay: TestRelay;
  beforeAll(async () => {
    relay = await startTestRelay();
  });
  afterAll(() => relay.stop());

  it.each([
    ['no Authorization header', undefined],
    ['another token of the same length', `Bearer ${TEST_METRICS_TOKEN.replace(/.$/, '!')}`],
    ['a prefix of the token', `Bearer ${TEST_METRICS_TOKEN.slice(0, -1)}`],
    ['the token with more after it', `Bearer ${TEST_METRICS_TOKEN}x`],
    ['the token as Basic credentials', `Basic ${TEST_METRICS_TOKEN}`],
    ['the token without a scheme', TEST_METRICS_TOKEN],
  ])(
    'when /metrics is asked with %s then 401 METRICS_TOKEN_INVALID and no metrics',
    async (_what, authorization) => {
      const response = await fetch(`${relay.url}/metrics`, {
        headers: authorization === undefined ? {} : { Authorization: authorization },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
      const text = await response.text();
      expect(text).not.toContain('relay_');
      expect(JSON.parse(text)).toMatchObject({ code: 'METRICS_TOKEN_INVALID', status: 401 });
    },
  );

  it('when /metrics is asked with the configured bearer token then the metrics are served', async () => {
    const response = await fetch(`${relay.url}/metrics`, {
      headers: { Authorization: `bearer ${TEST_METRICS_TOKEN}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('relay_http_requests_total');
  });

  it('when the metrics token is logged with the request then it is redacted', async () => {
    await metricsOf(relay);
    expect(relay.logs.text).not.toContain(TEST_METRICS_TOKEN);
  });
});
