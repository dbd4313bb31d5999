import express from 'express';
import { requestId } from '../../src/http/middleware/request-id';
import { serveOnLoopback, type LoopbackServer } from '../support/loopback-server';
import { UUID_V7 } from '../support/uuid-v7';

/**
 * The request id: the caller's is kept only on the health and metrics paths, and only when it is
 * harmless; every other request gets a time-ordered id the relay made (it becomes the audit
 * event's external id in Salesforce).
 */
describe('the request id middleware', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    const app = express();
    app.use(requestId());
    app.use((req, res) => {
      res.json({ requestId: req.requestId });
    });
    server = await serveOnLoopback(app);
  });
  afterAll(() => server.close());

  const idFor = async (path: string, inbound?: string) => {
    const answer = await fetch(`${server.url}${path}`, {
      headers: inbound === undefined ? {} : { 'x-request-id': inbound },
    });
    const body = (await answer.json()) as { requestId: string };
    expect(answer.headers.get('x-request-id')).toBe(body.requestId);
    return body.requestId;
  };

  it.each(['/healthz', '/readyz', '/metrics'])(
    'when %s is asked for with a harmless id then that id is kept',
    async (path) => {
      await expect(idFor(path, 'lb-probe:0042')).resolves.toBe('lb-probe:0042');
    },
  );

  it.each([
    ['a signed route', '/v1/issues/SUP-1', 'lb-probe:0042'],
    ['a path that only starts as a health path', '/healthz2', 'lb-probe:0042'],
    ['the root path', '/', 'lb-probe:0042'],
    ['an id too short', '/healthz', 'short'],
    ['an id too long', '/healthz', 'x'.repeat(65)],
    ['an id with a space after a harmless start', '/healthz', 'lb-probe:0042 injected'],
    ['an id with a space before a harmless end', '/healthz', 'injected lb-probe:0042'],
  ])('when %s gets a caller id then the relay makes its own', async (_what, path, inbound) => {
    const id = await idFor(path, inbound);
    expect(id).not.toBe(inbound);
    expect(id).toMatch(UUID_V7);
  });

  it('when no id is sent then the relay makes one, a new one each time', async () => {
    const [first, second] = [await idFor('/healthz'), await idFor('/healthz')];
    expect(first).toMatch(UUID_V7);
    expect(second).toMatch(UUID_V7);
    expect(first).not.toBe(second);
  });
});
