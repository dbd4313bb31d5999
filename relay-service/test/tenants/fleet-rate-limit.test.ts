import { FleetRateLimiter } from '../../src/tenants/fleet-rate-limiter';
import { ORG_ID, signedFetch, startTestRelay, type TestRelay } from '../support/relay';
import { freshPostgresUrl } from '../support/stores';

/**
 * The per-tenant limit of signed requests holds for the whole fleet on PostgreSQL: two relay
 * instances on one database serve no more than the limit between them. On SQLite (one
 * instance) the limit is the instance's own.
 */

const OTHER_ORG = '00D5g000004XYZABAY';
// A clock that stands still: no window may end in the middle of a test. Requests are signed
// with the real time, which stays well inside the signature window meanwhile.
const STILL = Date.now();
const clock = { now: () => STILL };

async function statuses(relay: TestRelay, secret: string, orgId = ORG_ID): Promise<number> {
  const response = await signedFetch(relay.url, {
    method: 'GET',
    path: '/v1/connections',
    orgId,
    secret,
  });
  await response.arrayBuffer();
  return response.status;
}

describe('tenant rate limit across relay instances', () => {
  describe('two instances on one PostgreSQL', () => {
    let first: TestRelay;
    let second: TestRelay;
    let secret: string;
    let otherSecret: string;

    beforeAll(async () => {
      const databaseUrl = await freshPostgresUrl();
      const env = { RELAY_TENANT_RATE_LIMIT_PER_MINUTE: '10' };
      first = await startTestRelay({ databaseUrl, env, clock });
      second = await startTestRelay({ databaseUrl, env, clock });
      secret = await first.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
      otherSecret = await first.services.tenants.add({ orgId: OTHER_ORG, name: 'Beta' });
    });
    afterAll(async () => {
      await Promise.all([first.stop(), second.stop()]);
    });

    it('when requests alternate between the instances then the fleet serves the limit, not twice the limit', async () => {
      const served: number[] = [];
      for (let i = 0; i < 8; i += 1) {
        served.push(await statuses(first, secret), await statuses(second, secret));
      }
      expect(served.filter((status) => status === 200)).toHaveLength(10);
      expect(served.filter((status) => status === 429)).toHaveLength(6);
    });

    it('when one tenant is over its limit then another tenant is still served on both instances', async () => {
      expect(await statuses(first, otherSecret, OTHER_ORG)).toBe(200);
      expect(await statuses(second, otherSecret, OTHER_ORG)).toBe(200);
    });

    it('when a request is refused then it says RATE_LIMITED with a Retry-After up to the end of the minute', async () => {
      const response = await signedFetch(second.url, {
        method: 'GET',
        path: '/v1/connections',
        orgId: ORG_ID,
        secret,
      });
      expect(response.status).toBe(429);
      const retryAfter = Number(response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(await response.json()).toMatchObject({ code: 'RATE_LIMITED', retryAfter });
    });

    it('when many requests of one tenant arrive at once on both instances then the limit still holds', async () => {
      const fresh = '00D5g000004QRSTUAY';
      const freshSecret = await first.services.tenants.add({ orgId: fresh, name: 'Gamma' });
      const all = await Promise.all(
        Array.from({ length: 30 }, (_, i) => statuses(i % 2 ? first : second, freshSecret, fresh)),
      );
      expect(all.filter((status) => status === 200)).toHaveLength(10);
    });
  });

  describe('the shared counter', () => {
    it('when the minute ends then a new window starts with the full limit', async () => {
      let now = 1_800_000_000_000;
      const relay = await startTestRelay({ engine: 'postgres' });
      try {
        const limiter = new FleetRateLimiter(relay.services.store, 3, () => now);
        const takes = async () => {
          const waits: number[] = [];
          for (let i = 0; i < 4; i += 1) waits.push(await limiter.take(ORG_ID));
          return waits;
        };
        const first = await takes();
        expect(first.slice(0, 3)).toEqual([0, 0, 0]);
        expect(first[3]).toBe(60);
        now += 60_000;
        expect((await takes()).slice(0, 3)).toEqual([0, 0, 0]);
        now += 120_000;
        expect(await limiter.purgeExpired()).toBe(2);
      } finally {
        await relay.stop();
      }
    });
  });

  describe('one instance on SQLite', () => {
    it('when the tenant passes its limit then it is refused (the instance is the fleet)', async () => {
      const relay = await startTestRelay({
        env: { RELAY_TENANT_RATE_LIMIT_PER_MINUTE: '3' },
        clock,
      });
      try {
        const secret = await relay.services.tenants.add({ orgId: ORG_ID, name: 'Acme' });
        const served: number[] = [];
        for (let i = 0; i < 4; i += 1) served.push(await statuses(relay, secret));
        expect(served).toEqual([200, 200, 200, 429]);
      } finally {
        await relay.stop();
      }
    });
  });
});
