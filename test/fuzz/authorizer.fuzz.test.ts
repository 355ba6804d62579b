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

describe(`near-valid tokens are never admitted (${RUNS} runs)`, { timeout: 300_000 }, () => {
  it('refuses a real token with a flipped bit, a swapped kid or a re-encoded payload', async () => {
    const login = uniqueLogin('near');
    const [real, other] = [
      await services().tokens.issue({ login, method: 'password' }),
      await services().tokens.issue({ login: uniqueLogin('other'), method: 'password' }),
    ];
    const deps = { tokens: services().tokens, sharedToken: services().sharedToken, sharedTokenRoutes: [] };
    const decide = (token: string) => authorize(deps, authorizerEvent({ headers: { 'x-auth-token': token } }));
    expect(await decide(real.token)).toMatchObject({ kind: 'allow' });
    const [header = '', payload = '', signature = ''] = real.token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const reencoded = (changes: Record<string, unknown>) =>
      `${header}.${Buffer.from(JSON.stringify({ ...claims, ...changes })).toString('base64url')}.${signature}`;

    const nearValid = fc.oneof(
      // One bit of one character flipped, anywhere in the token (dots aside).
      fc.nat({ max: real.token.length - 1 }).chain((at) =>
        fc.nat({ max: 5 }).map((bit) => {
          const character = real.token[at] ?? 'A';
          if (character === '.') return `${real.token.slice(0, at)}A${real.token.slice(at + 1)}`;
          const flipped = String.fromCharCode(character.charCodeAt(0) ^ (1 << bit));
          return `${real.token.slice(0, at)}${flipped}${real.token.slice(at + 1)}`;
        }),
      ),
      // Another token's signature, header or payload.
      fc.constantFrom(
        `${header}.${payload}.${other.token.split('.')[2] ?? ''}`,
        `${other.token.split('.')[0] ?? ''}.${payload}.${signature}`,
        `${header}.${other.token.split('.')[1] ?? ''}.${signature}`,
      ),
      // The same claims with one changed, under the original signature.
      fc.record({ sub: fc.constantFrom(other.record.login, 'admin') }).map(reencoded),
      fc.record({ exp: fc.integer({ min: 0, max: 2 ** 32 }) }).map(reencoded),
      fc.record({ jti: fc.constantFrom(other.record.tokenId, 'x') }).map(reencoded),
      // A swapped or forged kid.
      fc
        .constantFrom('AWSPREVIOUS', '', 'x'.repeat(200))
        .map(
          (kid) =>
            `${Buffer.from(JSON.stringify({ alg: 'HS256', kid, typ: 'JWT' })).toString('base64url')}.${payload}.${signature}`,
        ),
    );
    await fc.assert(
      fc.asyncProperty(nearValid, async (token) => {
        // A flip in the unused low bits of a part's last character decodes to the same bytes: the same token.
        const bytes = (t: string) => t.split('.').map((part) => Buffer.from(part, 'base64url').toString('hex'));
        fc.pre(bytes(token).join('.') !== bytes(real.token).join('.'));
        const decision = await decide(token);
        expect(decision.kind).not.toBe('allow');
        if (decision.kind === 'deny') expect(decision.category).not.toBe('UnhandledError');
      }),
      FUZZ,
    );
  });
});
