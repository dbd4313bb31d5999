import { ConfigError, loadConfig } from '../../src/config/config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('when nothing is set then the documented defaults apply', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.store).toEqual({ engine: 'sqlite', path: './.data/relay.db' });
    expect(config.encryptionKeys).toBeUndefined();
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.atlassian.authUrl).toBe('https://auth.atlassian.com');
    expect(config.atlassian.apiUrl).toBe('https://api.atlassian.com');
    expect(config.allowPrivateUpstreams).toBe(false);
    expect(config.logLevel).toBe('info');
  });

  it('when DATABASE_URL is postgres then the PostgreSQL engine is chosen', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/relay' }).store).toEqual({
      engine: 'postgres',
      url: 'postgres://u:p@db:5432/relay',
    });
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['RELAY_ENCRYPTION_KEYS', 'k1:short'],
    ['RELAY_PUBLIC_URL', 'not a url'],
    ['ATLASSIAN_AUTH_URL', 'ftp://auth.example'],
    ['ATLASSIAN_API_URL', 'nope'],
    ['RELAY_ALLOW_PRIVATE_UPSTREAMS', 'maybe'],
    ['LOG_LEVEL', 'verbose'],
    ['RELAY_BODY_LIMIT_BYTES', '-1'],
    ['RELAY_TENANT_RATE_LIMIT_PER_MINUTE', '0'],
    ['RELAY_BODY_TIMEOUT_MS', '10'],
    ['RELAY_HEADERS_TIMEOUT_MS', 'soon'],
    ['RELAY_METRICS_TOKEN', 'short'],
    ['RELAY_METRICS_TOKEN', `${'x'.repeat(40)} ${'y'.repeat(10)}`],
    ['RELAY_JIRA_MAX_CONCURRENCY', '0'],
    ['RELAY_JIRA_MAX_QUEUE_WAIT_MS', '-5'],
    ['ATLASSIAN_APP_HOURLY_POINTS', '1.5'],
  ])('when %s is %p then start-up names that variable', (variable, value) => {
    const problems = problemsOf({ [variable]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable}: `));
  });

  it('when the Jira load settings are not set then 200 users at once are not queued and waits are short', () => {
    expect(loadConfig({}).jira).toEqual({
      maxConcurrency: 256,
      minConcurrency: 4,
      maxQueueWaitMs: 1000,
      appHourlyPoints: undefined,
    });
  });

  it('when the concurrency floor is above the ceiling then start-up names the floor', () => {
    expect(
      problemsOf({ RELAY_JIRA_MIN_CONCURRENCY: '50', RELAY_JIRA_MAX_CONCURRENCY: '10' }),
    ).toEqual([expect.stringMatching(/^RELAY_JIRA_MIN_CONCURRENCY: must be at most/)]);
  });

  it('when request timeouts and the metrics token are not set then bodies and headers get 10 s and /metrics no token', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ bodyTimeoutMs: 10_000, headersTimeoutMs: 10_000 });
    expect(config.metricsToken).toBeUndefined();
  });

  it('when the metrics token is too short then start-up says so without echoing it', () => {
    const [problem] = problemsOf({ RELAY_METRICS_TOKEN: 'guessable-token' });
    expect(problem).toMatch(/^RELAY_METRICS_TOKEN: expected at least 32 characters/);
    expect(problem).not.toContain('guessable-token');
  });

  it('when several variables are bad then each is named on its own line', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud' });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT']);
  });

  it('when production runs without encryption keys then start-up is refused', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^RELAY_ENCRYPTION_KEYS: required when NODE_ENV=production/),
    ]);
  });

  it('when only the Atlassian client id is set then the missing secret is named', () => {
    expect(problemsOf({ ATLASSIAN_CLIENT_ID: 'abc' })).toEqual([
      expect.stringMatching(/^ATLASSIAN_CLIENT_SECRET: /),
    ]);
  });

  it('when a secret-bearing variable is bad then its value is not echoed', () => {
    const problems = problemsOf({ RELAY_ENCRYPTION_KEYS: 'k1:topsecretvalue' });
    expect(problems.join('\n')).not.toContain('topsecretvalue');
  });

  it('when keys are given then the first encrypts and all decrypt', () => {
    const a = Buffer.alloc(32, 1).toString('base64');
    const b = Buffer.alloc(32, 2).toString('base64');
    const config = loadConfig({ RELAY_ENCRYPTION_KEYS: `new:${a},old:${b}` });
    expect(config.encryptionKeys?.map((k) => k.kid)).toEqual(['new', 'old']);
  });
});
