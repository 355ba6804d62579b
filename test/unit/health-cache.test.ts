import { describe, expect, it } from 'vitest';
import { cachedHealthCheck } from '../../shared/health.ts';

describe('the /health probe cache', () => {
  it('runs the deep probe at most once per period, whatever the outcome, and again after it', async () => {
    let now = 0;
    let probes = 0;
    let healthy = false;
    const probe = cachedHealthCheck(
      () => (probes++, healthy ? Promise.resolve() : Promise.reject(new Error('down'))),
      5000,
      () => now,
    );

    await Promise.all([expect(probe()).rejects.toThrow('down'), expect(probe()).rejects.toThrow('down')]);
    healthy = true;
    now = 4999;
    await expect(probe()).rejects.toThrow('down');
    expect(probes).toBe(1);
    now = 5000;
    await expect(probe()).resolves.toBeUndefined();
    await expect(probe()).resolves.toBeUndefined();
    expect(probes).toBe(2);
  });
});
