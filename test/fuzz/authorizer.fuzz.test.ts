import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/authorizer/handler.ts';
import { authorize } from '../../shared/authorizer/authorize.ts';
import { authorizerServices } from '../../shared/authorizer/authorizer-services.ts';
import { services } from '../../shared/services.ts';
import { authorizerEvent, uniqueLogin } from '../support/fixtures.ts';
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

/** `segment` spelt the way a back end may still read as `segment`: any case, percent-encoded letters, `;parameters`. */
const spelling = (segment: string) =>
  fc
    .tuple(
      fc.array(fc.constantFrom('lower', 'upper', 'encoded', 'double-encoded'), {
        minLength: segment.length,
        maxLength: segment.length,
      }),
      fc.option(fc.constantFrom(';a=b', ';jsessionid=1', ';'), { nil: '' }),
    )
    .map(
      ([ways, parameters]) =>
        segment
          .split('')
          .map((letter, i) => {
            const code = `%${letter.charCodeAt(0).toString(16)}`;
            return {
              lower: letter,
              upper: letter.toUpperCase(),
              encoded: code,
              'double-encoded': code.replace('%', '%25'),
            }[ways[i] ?? 'lower'];
          })
          .join('') + parameters,
    );

const sharedRoutePath = fc
  .tuple(
    fc.constantFrom('configmgt', 'recording').chain(spelling),
    fc.constantFrom('', '/x/..', '/.', '//', '\\'),
    fc.option(fc.constantFrom('prod', 'v1'), { nil: undefined }),
    fc.string({ maxLength: 12 }).map((rest) => rest.replaceAll('/', '')),
  )
  .map(([segment, before, stage, rest]) => ({
    path: `${stage ? `/${stage}` : ''}${before}/${segment}/${rest}`,
    stage: stage ?? '$default',
  }));

describe(
  `a user token never passes a shared-token route, however the path is spelt (${RUNS} runs)`,
  { timeout: 300_000 },
  () => {
    it('is refused there, and admitted on the API', async () => {
      const issued = await services().tokens.issue({ login: uniqueLogin('routes'), method: 'password' });
      const deps = {
        tokens: services().tokens,
        sharedToken: services().sharedToken,
        sharedTokenRoutes: ['/configmgt/', '/recording/'],
      };
      const decide = (path: string, stage: string) => {
        const event = authorizerEvent({ path, headers: { 'x-auth-token': issued.token } });
        return authorize(deps, { ...event, requestContext: { ...event.requestContext, stage } });
      };
      await fc.assert(
        fc.asyncProperty(sharedRoutePath, async ({ path, stage }) => {
          expect(await decide(path, stage)).toMatchObject({ kind: 'deny' });
        }),
        FUZZ,
      );
      expect(await decide('/xuc/api/2.0/auth/tokens', '$default')).toMatchObject({ kind: 'allow' });
    });
  },
);
