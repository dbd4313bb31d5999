import { censorHeaders, createLogger } from '../../src/lib/logger';
import { LogCapture } from '../support/relay';

type Line = Record<string, unknown>;

function logged(write: (logger: ReturnType<typeof createLogger>) => void): Line {
  const capture = new LogCapture();
  write(createLogger('info', capture));
  expect(capture.lines).toHaveLength(1);
  return JSON.parse(capture.lines[0] ?? '{}') as Line;
}

describe('the relay logger', () => {
  it.each([
    'authorization',
    'password',
    'secret',
    'token',
    'accessToken',
    'access_token',
    'refreshToken',
    'refresh_token',
    'clientSecret',
    'client_secret',
    'codeVerifier',
    'code_verifier',
    'privateKey',
    'apiToken',
  ])(
    'when "%s" is logged at the top, one and two levels down then each value is censored',
    (key) => {
      const line = logged((logger) =>
        logger.info({ [key]: 'v0', outer: { [key]: 'v1', inner: { [key]: 'v2' } } }, 'x'),
      );
      expect(line[key]).toBe('[redacted]');
      expect(line.outer).toEqual({ [key]: '[redacted]', inner: { [key]: '[redacted]' } });
    },
  );

  it('when secrets sit in arrays then they are censored there too', () => {
    const line = logged((logger) =>
      logger.info({ grants: [{ token: 'a-token' }, { site: 'x' }], list: [[{ token: 't' }]] }, 'x'),
    );
    expect(line.grants).toEqual([{ token: '[redacted]' }, { site: 'x' }]);
    // Three levels down (list.0.0.token) is past the depth the relay's log objects reach.
    expect(line.list).toEqual([[{ token: 't' }]]);
  });

  it("when an error carries secrets in its own properties then the serialized error has them censored, and its cause's never appear", () => {
    const cause = Object.assign(new Error('refused'), { token: 'cause-token-value' });
    const error = Object.assign(new Error('exchange failed', { cause }), {
      status: 400,
      body: { refresh_token: 'body-refresh-token-value', error: 'invalid_grant' },
      password: 'error-password-value',
    });
    const line = logged((logger) => logger.warn({ err: error, requestId: 'r1' }, 'failed'));
    const text = JSON.stringify(line);
    for (const secret of [
      'cause-token-value',
      'body-refresh-token-value',
      'error-password-value',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(line.err).toMatchObject({
      type: 'Error',
      message: 'exchange failed: refused',
      status: 400,
      body: { refresh_token: '[redacted]', error: 'invalid_grant' },
      password: '[redacted]',
    });
    expect((line.err as { stack?: string }).stack).toContain('exchange failed');
  });

  it('when an error is logged on its own then it is serialized and censored the same way', () => {
    const error = Object.assign(new Error('boom'), { accessToken: 'own-access-token-value' });
    const line = logged((logger) => logger.error(error, 'boom'));
    expect(line.err).toMatchObject({ message: 'boom', accessToken: '[redacted]' });
  });

  it('when a child logger binds a secret then its lines carry it censored', () => {
    const line = logged((logger) =>
      logger.child({ clientSecret: 'bound-secret', tenant: { apiToken: 'bound-token' } }).info('x'),
    );
    expect(line.clientSecret).toBe('[redacted]');
    expect(line.tenant).toEqual({ apiToken: '[redacted]' });
    expect(line.service).toBe('pharos-relay');
  });

  it('when a child of a child binds a secret then both bindings are kept, the secret censored', () => {
    const line = logged((logger) =>
      logger.child({ component: 'http' }).child({ token: 'grandchild-token' }).info('x'),
    );
    expect(line).toMatchObject({ component: 'http', token: '[redacted]' });
  });

  it('when nothing secret is logged then the object is written as it was given', () => {
    const logObject = { orgId: '00D000000000001', counts: { sent: 3, items: [1, 2] }, when: null };
    const line = logged((logger) => logger.info(logObject, 'fine'));
    expect(line).toMatchObject(logObject);
    expect(logObject).toEqual({
      orgId: '00D000000000001',
      counts: { sent: 3, items: [1, 2] },
      when: null,
    });
  });

  it('when a logged object holds a secret then the caller’s object is left as it was', () => {
    const logObject = { auth: { token: 'caller-token' } };
    logged((logger) => logger.info(logObject, 'x'));
    expect(logObject.auth.token).toBe('caller-token');
  });

  it('when a logged object refers to itself then logging still ends', () => {
    const looped: Record<string, unknown> = { name: 'loop', token: 't' };
    looped.self = looped;
    const line = logged((logger) => logger.info({ looped }, 'x'));
    expect((line.looped as Line).token).toBe('[redacted]');
  });
});

describe('censorHeaders', () => {
  it('censors credential headers whatever their case and keeps the rest', () => {
    const headers = {
      authorization: 'Bearer abc',
      'Proxy-Authorization': 'Basic x',
      cookie: 'session=1',
      'set-cookie': ['a=1'],
      'x-relay-signature': 'sig',
      'x-relay-registration': 'prc_code',
      token: 'header-token',
      'x-relay-org': '00D000000000001',
      accept: '*/*',
    };
    expect(censorHeaders(headers)).toEqual({
      authorization: '[redacted]',
      'Proxy-Authorization': '[redacted]',
      cookie: '[redacted]',
      'set-cookie': '[redacted]',
      'x-relay-signature': '[redacted]',
      'x-relay-registration': '[redacted]',
      token: '[redacted]',
      'x-relay-org': '00D000000000001',
      accept: '*/*',
    });
    expect(headers.authorization).toBe('Bearer abc');
  });

  it('returns the same object when no header is a credential', () => {
    const headers = { accept: '*/*', 'x-relay-org': '00D000000000001' };
    expect(censorHeaders(headers)).toBe(headers);
  });
});
