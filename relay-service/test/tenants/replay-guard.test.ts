import net from 'node:net';
import { openStore, type Store } from '../../src/store/store';
import { ReplayGuard } from '../../src/tenants/replay-guard';
import { signedHeaders } from '../../src/tenants/signing';
import { ORG_ID, USER_ID, signedFetch, startTestRelay, type TestRelay } from '../support/relay';
import { ENGINES, freshStoreLocation } from '../support/stores';

const ORG_A = '00D000000000001AAA';
const ORG_B = '00D000000000002AAA';

/** Claims made in one event-loop turn, so the guard writes them as one group-committed batch. */
const claimAtOnce = (guard: ReplayGuard, claims: [orgId: string, nonce: string][]) =>
  Promise.all(claims.map(([orgId, nonce]) => guard.claim(orgId, nonce)));

describe.each(ENGINES)('the replay guard on %s', (engine) => {
  let store: Store;
  let now: number;
  const clock = { now: () => now };
  let guard: ReplayGuard;

  beforeEach(async () => {
    now = 1_800_000_000_000;
    store = openStore(await freshStoreLocation(engine));
    await store.migrate();
    guard = new ReplayGuard(store, clock);
  });
  afterEach(() => store.close());

  it('when a nonce repeats inside one batch then only its first claim wins', async () => {
    const results = await claimAtOnce(guard, [
      [ORG_A, 'nonce-aaaaaaaaaaaaa'],
      [ORG_A, 'nonce-bbbbbbbbbbbbb'],
      [ORG_A, 'nonce-aaaaaaaaaaaaa'],
      [ORG_A, 'nonce-ccccccccccccc'],
      [ORG_A, 'nonce-bbbbbbbbbbbbb'],
      [ORG_A, 'nonce-aaaaaaaaaaaaa'],
    ]);
    expect(results).toEqual([true, true, false, true, false, false]);
  });

  it('when the same nonce comes from two orgs in one batch then each org claims it once', async () => {
    const results = await claimAtOnce(guard, [
      [ORG_A, 'nonce-shared-000001'],
      [ORG_B, 'nonce-shared-000001'],
      [ORG_B, 'nonce-shared-000001'],
      [ORG_A, 'nonce-shared-000001'],
    ]);
    expect(results).toEqual([true, true, false, false]);
  });

  it('when one nonce is claimed 1,200 times at once (more than one INSERT) then exactly one claim wins', async () => {
    const results = await claimAtOnce(
      guard,
      Array.from({ length: 1200 }, () => [ORG_A, 'nonce-one-for-all-01'] as [string, string]),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(results[0]).toBe(true);
  });

  it('when a nonce was claimed in an earlier batch then a later batch holding it twice claims nothing', async () => {
    expect(await guard.claim(ORG_A, 'nonce-earlier-00001')).toBe(true);
    expect(
      await claimAtOnce(guard, [
        [ORG_A, 'nonce-earlier-00001'],
        [ORG_A, 'nonce-fresh-0000001'],
        [ORG_A, 'nonce-earlier-00001'],
      ]),
    ).toEqual([false, true, false]);
  });

  it('when a claim is written then its row lives twice the signature window, then it is purged', async () => {
    await guard.claim(ORG_A, 'nonce-retention-0001');
    const row = await store.db
      .selectFrom('replay_nonces')
      .selectAll()
      .where('nonce', '=', 'nonce-retention-0001')
      .executeTakeFirstOrThrow();
    expect(Number(row.expires_at)).toBe(now + 600_000);
    now += 600_000;
    expect(await guard.purgeExpired()).toBe(0);
    now += 1;
    expect(await guard.purgeExpired()).toBe(1);
    expect(await guard.claim(ORG_A, 'nonce-retention-0001')).toBe(true);
  });

  it('when the store fails then every claim of the batch fails instead of passing', async () => {
    const results = Promise.allSettled([
      guard.claim(ORG_A, 'nonce-store-down-001'),
      guard.claim(ORG_A, 'nonce-store-down-002'),
    ]);
    await store.close();
    const settled = await results;
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    // A fresh store for afterEach to close.
    store = openStore(await freshStoreLocation('sqlite'));
  });
});

/**
 * Opens one connection per copy, waits until all are connected, then writes the same request
 * bytes on every one of them in the same turn: the copies reach the relay together, as a
 * replayed burst would, and answers come back as status codes.
 */
async function sendAtOnce(relay: TestRelay, request: string, copies: number): Promise<number[]> {
  const { hostname, port } = new URL(relay.url);
  let accepted = 0;
  const allAccepted = new Promise<void>((resolve) => {
    const count = () => {
      accepted += 1;
      if (accepted < copies) return;
      relay.handle.server.off('connection', count);
      resolve();
    };
    relay.handle.server.on('connection', count);
  });
  const sockets = await Promise.all(
    Array.from(
      { length: copies },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(Number(port), hostname, () => resolve(socket));
          socket.on('error', reject);
        }),
    ),
  );
  await allAccepted;
  const answers = sockets.map(
    (socket) =>
      new Promise<number>((resolve) => {
        let received = '';
        socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
        socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)));
      }),
  );
  for (const socket of sockets) socket.write(request);
  // Holding the event loop until every copy is in the relay's socket buffers makes the relay
  // (in this process) read them all in one poll, as a loaded relay would.
  for (const stop = Date.now() + 200; Date.now() < stop;);
  return Promise.all(answers);
}

describe.each(ENGINES)('concurrent copies of one signed request on %s', (engine) => {
  let relay: TestRelay;
  let secret: string;

  beforeAll(async () => {
    relay = await startTestRelay({ engine });
    secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
  });
  afterAll(() => relay.stop());

  it.each([2, 25])(
    'when %i identical signed requests arrive at once over real sockets then exactly one is accepted',
    async (copies) => {
      const nonce = `concurrent-${copies}-${Date.now()}`;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const answers = await Promise.all(
        Array.from({ length: copies }, () =>
          signedFetch(relay.url, {
            method: 'GET',
            path: '/v1/connections',
            orgId: ORG_ID,
            userId: USER_ID,
            secret,
            nonce,
            timestamp,
          }),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      const codes = await Promise.all(
        answers.map(async (answer) => ((await answer.json()) as { code?: string }).code),
      );
      expect(statuses.filter((status) => status === 200)).toHaveLength(1);
      expect(statuses.filter((status) => status === 401)).toHaveLength(copies - 1);
      expect(codes.filter((code) => code === 'REPLAYED')).toHaveLength(copies - 1);
    },
  );

  it('when 25 copies are written on 25 open connections in the same instant then exactly one is accepted', async () => {
    // A first request loads the tenant's credentials, so the copies all reach the replay guard
    // in the same turn and are claimed in one batch.
    expect(
      (
        await signedFetch(relay.url, {
          method: 'GET',
          path: '/v1/connections',
          orgId: ORG_ID,
          secret,
        })
      ).status,
    ).toBe(200);
    const headers = signedHeaders(
      secret,
      { method: 'GET', target: '/v1/connections', orgId: ORG_ID, userId: USER_ID, body: '' },
      () => `burst-${Date.now()}-nonce`,
    );
    const request =
      `GET /v1/connections HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n';
    const statuses = await sendAtOnce(relay, request, 25);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 401)).toHaveLength(24);
  });
});
