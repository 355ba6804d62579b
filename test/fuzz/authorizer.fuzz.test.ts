import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/authorizer/handler.ts';
import { authorize } from '../../shared/authorizer/authorize.ts';
import { authorizerServices } from '../../shared/authorizer/authorizer-services.ts';
import { authorizerEvent } from '../support/fixtures.ts';
import { FUZZ, headers, query, RUNS } from './arbitraries.ts';

const path = fc.oneof(
  fc.constantFrom('/xuc/api/2.0/auth/tokens', '/configmgt/x', '//recording//y', '/a/../configmgt/', '/%E0%A4%A', '/'),
  fc.string({ maxLength: 40 }).map((p) => `/${p}`),
);

describe(
  `the authorizer answers arbitrary requests in API Gateway's language only (${RUNS} runs)`,
  { timeout: 300_000 },
  () => {
    it('returns {isAuthorized} or throws exactly Error("Unauthorized"), never admits a forged token, and never fails', async () => {
      let runs = 0;
      await fc.assert(
        fc.asyncProperty(path, headers, query, async (p, h, q) => {
          runs += 1;
          const event = authorizerEvent({ path: p, headers: h, ...(q ? { query: q } : {}) });
          // The handler turns any failure into a denial; the decision says whether it was one.
          const decision = await authorize(authorizerServices(), event);
          expect(decision.kind).not.toBe('allow');
          if (decision.kind === 'deny') expect(decision.category).not.toBe('UnhandledError');
          const answer = await handler(event).then(
            (result) => result,
            (error: unknown) => error,
          );
          expect(answer).toEqual(
            decision.kind === 'unauthenticated' ? new Error('Unauthorized') : { isAuthorized: false },
          );
        }),
        FUZZ,
      );
      expect(runs).toBe(RUNS);
    });
  },
);
