import { describe, expect, it } from 'vitest';
import { DecisionCache } from '../../shared/authorizer/decision-cache.ts';
import { feedBucket, feedEntry, feedKey, feedSessionIdPrefix } from '../../shared/tokens/revocation-feed-layout.ts';
import type { TokenRecord } from '../../shared/tokens/token-record.ts';

const record = (expiresAt: number, tokenId = 't', login = 'alice'): TokenRecord => ({
  tokenId,
  login,
  method: 'password',
  issuedAt: 0,
  issuedAtMs: 0,
  expiresAt,
});

describe('authorizer decision cache', () => {
  it('serves a verified token for the window, then forgets it', async () => {
    let now = 1_000_000;
    const cache = new DecisionCache(30_000, 10, () => now);
    cache.set('token-a', record(10_000));
    expect(await cache.get('token-a')).toEqual(record(10_000));
    now += 29_999;
    expect(await cache.get('token-a')).toBeDefined();
    now += 1;
    expect(await cache.get('token-a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never serves a token past its own expiry', async () => {
    let now = 1_000_000;
    const cache = new DecisionCache(30_000, 10, () => now);
    cache.set('token-a', record(1_005));
    now = 1_004_999;
    expect(await cache.get('token-a')).toBeDefined();
    now = 1_005_000;
    expect(await cache.get('token-a')).toBeUndefined();
  });

  it('matches only the exact token string', async () => {
    const cache = new DecisionCache(30_000);
    cache.set('token-a', record(Date.now() / 1000 + 60));
    expect(await cache.get('token-A')).toBeUndefined();
    expect(await cache.get('token-a ')).toBeUndefined();
  });

  it('stays bounded, dropping the oldest entries first', async () => {
    const cache = new DecisionCache(30_000, 3);
    for (const token of ['a', 'b', 'c', 'd']) cache.set(token, record(Date.now() / 1000 + 60));
    expect(cache.size).toBe(3);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('d')).toBeDefined();
  });

  it('counts a token verified again as the newest', async () => {
    const cache = new DecisionCache(30_000, 2);
    for (const token of ['a', 'b', 'a', 'c']) cache.set(token, record(Date.now() / 1000 + 60));
    expect(await cache.get('a')).toBeDefined();
    expect(await cache.get('b')).toBeUndefined();
  });

  it('caches nothing with a zero window', async () => {
    const cache = new DecisionCache(0);
    cache.set('a', record(Date.now() / 1000 + 60));
    expect(cache.size).toBe(0);
    expect(await cache.get('a')).toBeUndefined();
  });

  it('drops what a read of the revocation feed names: every token of a session by its id prefix, every token of a login', async () => {
    const cache = new DecisionCache(30_000);
    const later = Date.now() / 1000 + 60;
    cache.set('a1', record(later, '0123456789ab-aaaa', 'alice'));
    cache.set('a2', record(later, 'fedcba987654-bbbb', 'alice'));
    cache.set('b1', record(later, '0123456789ac-cccc', 'bob'));
    cache.set('c1', record(later, '111111111111-dddd', 'carol'));
    cache.evict({ sessionIdPrefixes: new Set([feedSessionIdPrefix('0123456789ab-aaaa')]), logins: new Set(['carol']) });
    expect(await cache.get('a1')).toBeUndefined();
    expect(await cache.get('c1')).toBeUndefined();
    expect(await cache.get('a2')).toBeDefined();
    expect(await cache.get('b1')).toBeDefined();
    cache.evict({ sessionIdPrefixes: new Set(), logins: new Set(['alice']) });
    expect(await cache.get('a2')).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });
});

describe('revocation feed entries', () => {
  it('name a session by the first 12 characters of its id, a login whole', () => {
    expect(feedEntry({ sessionId: '0123456789ab-cdef' })).toBe('s:0123456789ab');
    expect(feedEntry({ login: 'alice:x' })).toBe('u:alice:x');
  });

  it('fall in buckets one window long', () => {
    expect([0, 999, 1000, 2500].map((ms) => feedBucket(ms, 1000))).toEqual([0, 0, 1, 2]);
    expect(feedKey(7, 3)).toEqual({ tokenId: 'revocations#7#3' });
  });
});
