import type { Config } from '../config.ts';

export type ThrottlePolicy = Config['throttle'];

/**
 * The key a source address is counted under: an IPv4 address as it is (an IPv4-mapped IPv6 one
 * too), an IPv6 address by its /64, the smallest block one subscriber is given, so that the
 * 2^64 addresses of one network count as one.
 */
export function sourceKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(':')) return address;
  const [head, tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  // Stryker disable next-line ArrayDeclaration: one group after "::" is the eighth, never among the four kept.
  const right = tail ? tail.split(':') : [];
  // Stryker disable next-line StringLiteral: an address without "::" has its eight groups: no zeros to add.
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** A counter item of the attempts table; absent attributes are zero. */
export interface Counter {
  failures?: number;
  /** Epoch milliseconds of the latest failure. */
  lastFailureAt?: number;
  /** Attempts begun and not yet ended. */
  pending?: number;
}

/** What one key (a login or a source) stands at across the current and the previous window. */
export interface Tally {
  failures: number;
  lastFailureAt: number;
  pending: number;
}

/** The failures of both windows count, so that a window boundary does not wipe the slate. */
export function tally(current: Counter | undefined, previous: Counter | undefined): Tally {
  return {
    failures: (current?.failures ?? 0) + (previous?.failures ?? 0),
    lastFailureAt: Math.max(current?.lastFailureAt ?? 0, previous?.lastFailureAt ?? 0),
    pending: current?.pending ?? 0,
  };
}

/**
 * How long a key stays closed, in milliseconds from `now`; 0 when the attempt may go on. At the
 * limit the lockout is `backoffBaseSeconds`, doubling with every further failure up to
 * `backoffMaxSeconds`, counted from the latest failure.
 */
export function lockoutWait(
  { failures, lastFailureAt, pending }: Tally,
  limit: number,
  policy: ThrottlePolicy,
  now: number,
): number {
  const backoff = Math.min(policy.backoffBaseSeconds * 2 ** (failures - limit), policy.backoffMaxSeconds);
  const lockedFor = failures < limit ? 0 : Math.max(0, lastFailureAt + backoff * 1000 - now);
  // Attempts under way may each become a failure: they take the tries that are left. They end
  // within seconds (one password hash), hence the short wait.
  const busyFor = pending > 0 && failures + pending >= limit ? 1000 : 0;
  return Math.max(lockedFor, busyFor);
}
