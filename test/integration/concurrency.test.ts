import { describe, expect, it } from 'vitest';
import { passwordLogin } from '../../shared/auth/password-login.ts';
import { revokeAllTokens } from '../../shared/tokens/user-tokens.ts';
import { createUser, testConfig, testServices } from '../support/fixtures.ts';

// Logins under way count against the brute-force limit (login-throttle.test.ts); these tests
// are about the tokens of many concurrent successful logins, so the limit is out of their way.
const unthrottled = () =>
  testServices({
    config: { throttle: { ...testConfig().throttle, loginMaxFailures: 10_000, accountMaxFailures: 10_000 } },
  });

describe('concurrency', () => {
  it('gives 500 concurrent logins of one user 500 distinct valid tokens', { timeout: 60_000 }, async () => {
    const services = unthrottled();
    const user = await createUser(services);
    const issued = await Promise.all(Array.from({ length: 500 }, () => passwordLogin(services, user)));
    expect(new Set(issued.map((i) => i.token)).size).toBe(500);
    expect(new Set(issued.map((i) => i.record.tokenId)).size).toBe(500);
    const verified = await Promise.all(issued.map((i) => services.tokens.verify(i.token)));
    expect(verified.every((record) => record.login === user.login)).toBe(true);
    expect(await services.tokenStore.listByLogin(user.login)).toHaveLength(500);
  });

  it(
    'leaves no token issued before a revoke-all alive, even one issued while it runs',
    { timeout: 60_000 },
    async () => {
      const services = unthrottled();
      const user = await createUser(services);
      const before = await Promise.all(
        Array.from({ length: 50 }, () => services.tokens.issue({ login: user.login, method: 'password' })),
      );
      // Awaited as one from the start, so that a failed login fails the test rather than going unhandled.
      const racing = Promise.all(Array.from({ length: 150 }, () => passwordLogin(services, user)));
      await revokeAllTokens(services.tokenStore, user.login);
      const during = await racing;
      const mark = await services.tokenStore.revokedBefore(user.login);
      expect(mark).toBeDefined();

      const outcomes = await Promise.all(
        [...before, ...during].map(async ({ token, record }) => ({
          issuedBeforeRevoke: record.issuedAtMs < mark!,
          valid: await services.tokens.verify(token).then(
            () => true,
            () => false,
          ),
        })),
      );
      for (const { issuedBeforeRevoke, valid } of outcomes) expect(valid).toBe(!issuedBeforeRevoke);
      expect(outcomes.filter((o) => o.issuedBeforeRevoke).length).toBeGreaterThanOrEqual(50);
    },
  );
});
