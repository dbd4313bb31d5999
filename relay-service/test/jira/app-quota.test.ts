import { AppQuota } from '../../src/jira/app-quota';

/**
 * Fair shares of the Atlassian app quota: which tenant is held back first, and when. The
 * quota only counts and decides; the clock is fake.
 */

const BUSY = '00D000000000001AAA';
const QUIET = '00D000000000002AAA';
const THIRD = '00D000000000003AAA';
const HOUR = 60 * 60 * 1000;

function quotaWith(hourlyPoints: number | undefined) {
  let now = 1_800_000_000_000;
  const quota = new AppQuota(hourlyPoints, { now: () => now });
  const charge = (orgId: string, points: number, weight = 1) => {
    try {
      quota.charge(orgId, weight, points);
      return 'sent';
    } catch (error) {
      return error as { code: string; retryAfter: number };
    }
  };
  return { quota, charge, advance: (ms: number) => (now += ms) };
}

describe('fair share of the Atlassian app quota', () => {
  it('when the app is far from its budget then a lone busy tenant may use it (idle tenants take nothing)', () => {
    const { charge } = quotaWith(1000);
    for (let i = 0; i < 790; i += 1) expect(charge(BUSY, 1)).toBe('sent');
  });

  it('when usage nears the budget then the tenant over its share is held back first and the others go on', () => {
    const { charge } = quotaWith(1000);
    expect(charge(QUIET, 50)).toBe('sent');
    for (let i = 0; i < 750; i += 1) expect(charge(BUSY, 1)).toBe('sent');
    // 800 of 1000 used: contended. BUSY (750) is over its half; QUIET (50) is not.
    expect(charge(BUSY, 1)).toMatchObject({ code: 'JIRA_RATE_LIMITED' });
    for (let i = 0; i < 150; i += 1) expect(charge(QUIET, 1)).toBe('sent');
  });

  it('when the whole budget is spent then every tenant waits until points leave the hour', () => {
    const { charge, advance } = quotaWith(100);
    expect(charge(QUIET, 50)).toBe('sent');
    expect(charge(BUSY, 50)).toBe('sent');
    // A tenant that used nothing yet is within its share, but the hour's budget is gone.
    const refused = charge(THIRD, 1) as { code: string; retryAfter: number };
    expect(refused.code).toBe('JIRA_RATE_LIMITED');
    expect(refused.retryAfter).toBeGreaterThan(0);
    expect(refused.retryAfter).toBeLessThanOrEqual(3600);
    advance(HOUR);
    expect(charge(THIRD, 1)).toBe('sent');
  });

  it('when weights differ then shares follow them', () => {
    const { quota, charge } = quotaWith(1000);
    charge(BUSY, 1, 3);
    charge(QUIET, 1, 1);
    expect(quota.shareOf(BUSY)).toBeCloseTo(0.75);
    expect(quota.shareOf(QUIET)).toBeCloseTo(0.25);
    // Weight 3 of 4 allows 750 before BUSY is over its share.
    for (let i = 0; i < 700; i += 1) expect(charge(BUSY, 1, 3)).toBe('sent');
    expect(charge(BUSY, 1, 3)).toBe('sent');
  });

  it('when weights are equal then a tenant with three times the usage is held back at the same point a weight-3 tenant is not', () => {
    const { charge } = quotaWith(1000);
    charge(QUIET, 1);
    for (let i = 0; i < 799; i += 1) charge(BUSY, 1);
    expect(charge(BUSY, 1)).toMatchObject({ code: 'JIRA_RATE_LIMITED' });
    const weighted = quotaWith(1000);
    weighted.charge(QUIET, 1);
    for (let i = 0; i < 799; i += 1) weighted.charge(BUSY, 1, 4);
    expect(weighted.charge(BUSY, 1, 4)).toBe('sent');
  });

  it('when Jira says the app is over its quota then, for its Retry-After, only tenants over their share are held back', () => {
    const { quota, charge, advance } = quotaWith(undefined);
    for (let i = 0; i < 90; i += 1) charge(BUSY, 1);
    charge(QUIET, 5);
    charge(THIRD, 5);
    quota.gateFor(QUIET, () => 1).appOverQuota(30_000);
    expect(charge(BUSY, 1)).toMatchObject({ code: 'JIRA_RATE_LIMITED', retryAfter: 30 });
    expect(charge(QUIET, 1)).toBe('sent');
    expect(charge(THIRD, 1)).toBe('sent');
    advance(30_000);
    expect(charge(BUSY, 1)).toBe('sent');
  });

  it('when no budget is configured and Jira has not complained then nobody is held back', () => {
    const { charge } = quotaWith(undefined);
    for (let i = 0; i < 5000; i += 1) expect(charge(BUSY, 2)).toBe('sent');
  });

  it('when an hour has passed then earlier usage no longer counts against a tenant', () => {
    const { charge, advance } = quotaWith(1000);
    for (let i = 0; i < 799; i += 1) charge(BUSY, 1);
    charge(QUIET, 1);
    expect(charge(BUSY, 1)).toMatchObject({ code: 'JIRA_RATE_LIMITED' });
    advance(HOUR + 60_000);
    expect(charge(BUSY, 1)).toBe('sent');
  });
});
