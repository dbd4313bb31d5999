import express, { type Request, type Response } from 'express';
import { relayRouter, routesOf } from '../../src/http/router';
import { serveOnLoopback, type LoopbackServer } from '../support/loopback-server';

/**
 * A route file's router is entered only by requests one of its routes could match; others pass
 * it within the same turn (express would walk it and leave it through setImmediate).
 */

function issueRouter() {
  const router = relayRouter();
  router.get('/v1/issues/:key', (req, res) => {
    res.json({ route: 'issue', key: req.params.key });
  });
  router.get('/v1/jira/:connection/projects', (req, res) => {
    res.json({ route: 'projects', connection: req.params.connection });
  });
  router.post('/healthz', (_req, res) => {
    res.json({ route: 'healthz' });
  });
  return router;
}

describe('routesOf', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    const app = express();
    app.set('case sensitive routing', true);
    app.set('strict routing', true);
    app.use(routesOf(issueRouter()));
    app.use((req, res) => {
      res.status(404).json({ route: 'none', path: req.path });
    });
    server = await serveOnLoopback(app);
  });
  afterAll(() => server.close());

  const get = async (path: string, method = 'GET') => {
    const answer = await fetch(`${server.url}${path}`, { method });
    return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
  };

  it('when a path matches a route then the route answers, parameters and all', async () => {
    await expect(get('/v1/issues/SUP-42')).resolves.toEqual({
      status: 200,
      body: { route: 'issue', key: 'SUP-42' },
    });
    await expect(get('/v1/jira/cloud/projects')).resolves.toEqual({
      status: 200,
      body: { route: 'projects', connection: 'cloud' },
    });
    await expect(get('/healthz', 'POST')).resolves.toEqual({
      status: 200,
      body: { route: 'healthz' },
    });
  });

  it('when a path starts as a route but matches none then it goes on past the router', async () => {
    await expect(get('/v1/issues/SUP-42/unknown')).resolves.toMatchObject({ status: 404 });
    await expect(get('/v1/jira/cloud/unknown')).resolves.toMatchObject({ status: 404 });
  });

  it('when a path starts as no route does then it goes on past the router', async () => {
    await expect(get('/v1/connections')).resolves.toEqual({
      status: 404,
      body: { route: 'none', path: '/v1/connections' },
    });
    // Routes are case sensitive, and so is the guard.
    await expect(get('/V1/issues/SUP-42')).resolves.toMatchObject({ status: 404 });
  });

  it('when no route could match then next is called at once and the router is not entered', () => {
    const router = issueRouter();
    const entered = jest.fn();
    const guard = routesOf(Object.assign(router, { handle: entered }));
    for (const path of ['/v1/connections', '/V1/issues/SUP-1', '/base/v1/issues/SUP-1', '/']) {
      let nextCalled = false;
      guard({ path } as Request, {} as Response, () => (nextCalled = true));
      expect({ path, nextCalled }).toEqual({ path, nextCalled: true });
    }
    expect(entered).not.toHaveBeenCalled();
  });

  it('when a route could match then the router is entered', () => {
    const router = issueRouter();
    const entered = jest.fn();
    const guard = routesOf(Object.assign(router, { handle: entered }));
    const next = jest.fn();
    for (const path of ['/v1/issues/SUP-1', '/v1/jira/x/projects', '/v1/jira/', '/healthz'])
      guard({ path } as Request, {} as Response, next);
    expect(entered).toHaveBeenCalledTimes(4);
    expect(next).not.toHaveBeenCalled();
  });

  it('when a route is a regular expression then the router is used as it is', () => {
    const router = issueRouter();
    router.get(/^\/v2\/items$/, (_req, res) => {
      res.json({ route: 'items' });
    });
    expect(routesOf(router)).toBe(router);
  });

  it('when a router has middleware besides routes then it is used as it is', () => {
    const router = issueRouter();
    router.use((_req, _res, next) => next());
    expect(routesOf(router)).toBe(router);
  });

  it('lists the routes where route listings look for them', () => {
    const router = issueRouter();
    expect((routesOf(router) as unknown as { stack: unknown }).stack).toBe(router.stack);
  });
});

describe('relayRouter', () => {
  let server: LoopbackServer;

  beforeAll(async () => {
    const app = express();
    // Mounted without routesOf: the router's own matching, one spelling per route.
    app.use(issueRouter());
    app.use((_req, res) => {
      res.status(404).json({ route: 'none' });
    });
    server = await serveOnLoopback(app);
  });
  afterAll(() => server.close());

  it.each([
    ['/v1/issues/SUP-42', 200],
    ['/V1/issues/SUP-42', 404],
    ['/v1/Issues/SUP-42', 404],
    ['/v1/issues/SUP-42/', 404],
  ])('when %s is asked for then the answer is %i', async (path, status) => {
    expect((await fetch(`${server.url}${path}`)).status).toBe(status);
  });
});
