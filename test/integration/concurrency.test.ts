import { describe, expect, it } from 'vitest';
import { passwordLogin } from '../../shared/auth/password-login.ts';
import type { TokenRecord } from '../../shared/tokens/token-record.ts';
import { createTokenService } from '../../shared/tokens/token-service.ts';
import type { TokenStore } from '../../shared/tokens/token-store.ts';
import { revokeAllTokens } from '../../shared/tokens/user-tokens.ts';
import { createUser, testConfig, testServices } from '../support/fixtures.ts';

// Logins under way count against the brute-force limit (login-throttle.test.ts); these tests
// are about the tokens of many concurrent successful logins, so the limit is out of their way.
// Many logins of one user at once: neither the brute-force limits nor MAX_SESSIONS_PER_USER get in the way.
const unthrottled = () =>
  testServices({
    config: {
      throttle: { ...testConfig().throttle, loginMaxFailures: 10_000, accountMaxFailures: 10_000 },
      maxSessionsPerUser: 1000,
    },
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
      // The revoke-all is forced into the middle of the racing logins: it runs while the 75th
      // racing token, already signed, waits to be recorded, so that some tokens are recorded
      // before the mark, one after it with an earlier issue time, and the rest issued after it.
      let recorded = 0;
      let revoking: Promise<unknown> | undefined;
      const store: TokenStore = Object.assign(Object.create(services.tokenStore) as TokenStore, {
        put: async (record: TokenRecord) => {
          recorded += 1;
          if (recorded === 75) await (revoking = revokeAllTokens(services.tokenStore, user.login));
          await services.tokenStore.put(record);
        },
      });
      const { config } = services;
      const tokens = createTokenService({
        keys: services.signingKeys,
        store,
        tokenTtl: config.tokenTtl,
        tokenMaxTtl: config.tokenMaxTtl,
      });
      const racingServices = { ...services, tokens };
      // Awaited as one from the start, so that a failed login fails the test rather than going unhandled.
      const racing = Promise.all(Array.from({ length: 150 }, () => passwordLogin(racingServices, user)));
      const during = await racing;
      expect(revoking).toBeDefined();
      await revoking;
      during.push(...(await Promise.all(Array.from({ length: 10 }, () => passwordLogin(racingServices, user)))));
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
      // Both groups are there: tokens issued before the mark (refused) and after it (valid).
      expect(outcomes.filter((o) => o.issuedBeforeRevoke).length).toBeGreaterThanOrEqual(50 + 74);
      expect(outcomes.filter((o) => !o.issuedBeforeRevoke).length).toBeGreaterThanOrEqual(10);
    },
  );

  it('writes the revoke-all mark before it lists anything: a listing that fails leaves the tokens revoked', async () => {
    const services = unthrottled();
    const user = await createUser(services);
    const issued = await services.tokens.issue({ login: user.login, method: 'password' });
    const listingFails: TokenStore = Object.assign(Object.create(services.tokenStore) as TokenStore, {
      listByLogin: () => Promise.reject(new Error('listing failed')),
    });
    await expect(revokeAllTokens(listingFails, user.login)).rejects.toThrow('listing failed');
    await expect(services.tokens.verify(issued.token)).rejects.toMatchObject({ code: 'InvalidToken' });
  });
});
