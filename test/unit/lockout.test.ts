import { describe, expect, it } from 'vitest';
import { lockoutWait, sourceKey, tally, type ThrottlePolicy } from '../../shared/auth/lockout.ts';

const policy: ThrottlePolicy = {
  loginMaxFailures: 5,
  accountMaxFailures: 100,
  sourceMaxFailures: 50,
  windowSeconds: 900,
  backoffBaseSeconds: 15,
  backoffMaxSeconds: 900,
};
const at = 1_000_000_000_000;
const wait = (failures: number, msSinceLastFailure: number, pending = 0) =>
  lockoutWait({ failures, lastFailureAt: at - msSinceLastFailure, pending }, 5, policy, at);

describe('login lockout arithmetic', () => {
  it('lets attempts through below the limit', () => {
    expect(wait(0, 0)).toBe(0);
    expect(wait(4, 0)).toBe(0);
  });

  it('locks for the base back-off at the limit, counted from the latest failure', () => {
    expect(wait(5, 0)).toBe(15_000);
    expect(wait(5, 10_000)).toBe(5_000);
    expect(wait(5, 15_000)).toBe(0);
  });

  it('doubles the back-off with every further failure, up to the cap', () => {
    expect([5, 6, 7, 8, 9, 10, 11].map((failures) => wait(failures, 0))).toEqual(
      [15, 30, 60, 120, 240, 480, 900].map((s) => s * 1000),
    );
    expect(wait(40, 0)).toBe(900_000);
  });

  it('holds attempts while those under way could use up the tries that are left', () => {
    expect(wait(3, 0, 1)).toBe(0);
    expect(wait(3, 0, 2)).toBe(1000);
    expect(wait(0, 0, 5)).toBe(1000);
    // A lockout longer than the short wait for attempts under way wins.
    expect(wait(6, 0, 1)).toBe(30_000);
  });

  it('adds the failures of the current and the previous window, and keeps the latest failure', () => {
    expect(
      tally({ failures: 2, lastFailureAt: 10, pending: 1 }, { failures: 3, lastFailureAt: 20, pending: 7 }),
    ).toEqual({ failures: 5, lastFailureAt: 20, pending: 1 });
    expect(tally(undefined, undefined)).toEqual({ failures: 0, lastFailureAt: 0, pending: 0 });
  });
});

describe('source keys', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::FFFF:192.168.1.77', '192.168.1.77'],
    ['2001:db8::ffff:192.0.2.1', '2001:db8:0:0::/64'],
    ['2001:db8::1:2:3:4:5', '2001:db8:0:1::/64'],
  ])('%s counts as %s', (address, key) => {
    expect(sourceKey(address)).toBe(key);
  });
});
