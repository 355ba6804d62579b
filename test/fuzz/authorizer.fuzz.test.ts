import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/authorizer/handler.ts';
import { authorizerEvent } from '../support/fixtures.ts';
import { FUZZ, headers, query, RUNS } from './arbitraries.ts';

const path = fc.oneof(
  fc.constantFrom('/xuc/api/2.0/auth/tokens', '/configmgt/x', '//recording//y', '/a/../configmgt/', '/%E0%A4%A', '/'),
  fc.string({ maxLength: 40 }).map((p) => `/${p}`),
);

describe(`the authorizer answers arbitrary requests in API Gateway's language only (${RUNS} runs)`, { timeout: 300_000 }, () => {
  it('returns {isAuthorized} or throws exactly Error("Unauthorized"), and never admits a forged token', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(path, headers, query, async (p, h, q) => {
        runs += 1;
        try {
          const result = await handler(authorizerEvent({ path: p, headers: h, ...(q ? { query: q } : {}) }));
          expect(result).toEqual({ isAuthorized: false });
        } catch (error) {
          expect(error).toEqual(new Error('Unauthorized'));
        }
      }),
      FUZZ,
    );
    expect(runs).toBe(RUNS);
  });
});
