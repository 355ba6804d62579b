import { describe, expect, it } from 'vitest';
import { DecisionCache } from '../../shared/authorizer/decision-cache.ts';
import type { TokenRecord } from '../../shared/tokens/token-record.ts';

const record = (expiresAt: number): TokenRecord => ({ tokenId: 't', login: 'alice', method: 'password', issuedAt: 0, issuedAtMs: 0, expiresAt });

describe('authorizer decision cache', () => {
  it('serves a verified token for the window, then forgets it', () => {
    let now = 1_000_000;
    const cache = new DecisionCache(30_000, 10, () => now);
    cache.set('token-a', record(10_000));
    expect(cache.get('token-a')).toEqual(record(10_000));
    now += 29_999;
    expect(cache.get('token-a')).toBeDefined();
    now += 1;
    expect(cache.get('token-a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('never serves a token past its own expiry', () => {
    let now = 1_000_000;
    const cache = new DecisionCache(30_000, 10, () => now);
    cache.set('token-a', record(1_005));
    now = 1_004_999;
    expect(cache.get('token-a')).toBeDefined();
    now = 1_005_000;
    expect(cache.get('token-a')).toBeUndefined();
  });

  it('matches only the exact token string', () => {
    const cache = new DecisionCache(30_000);
    cache.set('token-a', record(Date.now() / 1000 + 60));
    expect(cache.get('token-A')).toBeUndefined();
    expect(cache.get('token-a ')).toBeUndefined();
  });

  it('stays bounded, dropping the oldest entries first', () => {
    const cache = new DecisionCache(30_000, 3);
    for (const token of ['a', 'b', 'c', 'd']) cache.set(token, record(Date.now() / 1000 + 60));
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('caches nothing with a zero window', () => {
    const cache = new DecisionCache(0);
    cache.set('a', record(Date.now() / 1000 + 60));
    expect(cache.get('a')).toBeUndefined();
  });
});
