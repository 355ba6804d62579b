import { randomUUID } from 'node:crypto';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { base64url, decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSecret } from '../support/secrets.ts';
import { testConfig, testServices, uniqueLogin, refusal } from '../support/fixtures.ts';

describe('token service', () => {
  it('issues a compact HS256 JWS whose kid is the signing key version, and records it without the token', async () => {
    const services = testServices();
    const login = uniqueLogin();
    const issued = await services.tokens.issue({
      login,
      method: 'password',
      softwareType: 'webapp',
      applicationType: 'ccagent',
    });

    const header = decodeProtectedHeader(issued.token);
    const claims = decodeJwt(issued.token);
    const { kid } = await services.signingKeys.current();
    expect(header).toEqual({ alg: 'HS256', kid, typ: 'JWT' });
    expect(claims).toEqual({
      sub: login,
      jti: issued.record.tokenId,
      iat: expect.any(Number),
      exp: claims.iat! + 3600,
      amr: ['pwd'],
    });

    const record = await services.tokenStore.get(issued.record.tokenId);
    expect(record).toEqual({
      tokenId: issued.record.tokenId,
      login,
      method: 'password',
      issuedAt: claims.iat,
      issuedAtMs: expect.any(Number),
      expiresAt: claims.exp,
      softwareType: 'webapp',
      applicationType: 'ccagent',
    });
    expect(JSON.stringify(record)).not.toContain(issued.token.split('.')[2]);
    expect(await services.tokens.verify(issued.token)).toEqual(record);
  });

  it('caps a requested lifetime at TOKEN_MAX_TTL', async () => {
    const services = testServices();
    const short = await services.tokens.issue({ login: uniqueLogin(), method: 'password', expiration: 120 });
    const long = await services.tokens.issue({ login: uniqueLogin(), method: 'password', expiration: 10 ** 7 });
    expect(short.ttl).toBe(120);
    expect(long.ttl).toBe(testConfig().tokenMaxTtl);
  });

  it('answers TokenExpired once the token is past its expiry (frozen clock)', async () => {
    let now = Date.now();
    const services = testServices({ now: () => now });
    const issued = await services.tokens.issue({ login: uniqueLogin(), method: 'password', expiration: 60 });
    now += 59_000;
    await expect(services.tokens.verify(issued.token)).resolves.toBeDefined();
    now += 2_000;
    expect((await refusal(services.tokens.verify(issued.token))).code).toBe('TokenExpired');
  });

  it('refuses a revoked token and one whose record is gone', async () => {
    const services = testServices();
    const login = uniqueLogin();
    const issued = await services.tokens.issue({ login, method: 'password' });
    await services.tokenStore.revoke(issued.record.tokenId, login, Math.floor(Date.now() / 1000));
    expect((await refusal(services.tokens.verify(issued.token))).code).toBe('InvalidToken');

    const { key, kid } = await services.signingKeys.current();
    const orphan = await new SignJWT({ amr: ['pwd'] })
      .setProtectedHeader({ alg: 'HS256', kid })
      .setSubject(login)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(key);
    expect((await refusal(services.tokens.verify(orphan))).code).toBe('InvalidToken');
  });

  it.each([
    ['garbage', () => 'not-a-token'],
    ['truncated', (token: string) => token.slice(0, -10)],
    ['10 KB', () => 'a'.repeat(10_240)],
    ['non-ASCII', (token: string) => `${token}é`],
    [
      'tampered payload',
      (token: string) => {
        const [h, , s] = token.split('.');
        const forged = base64url.encode(JSON.stringify({ ...decodeJwt(token), sub: 'admin' }));
        return `${h}.${forged}.${s}`;
      },
    ],
    ['alg none', (token: string) => new UnsecuredJWT(decodeJwt(token)).encode()],
    [
      'signed with another key',
      async (token: string) =>
        new SignJWT(decodeJwt(token))
          .setProtectedHeader({ ...decodeProtectedHeader(token), alg: 'HS256' })
          .sign(new TextEncoder().encode('another-key-another-key-another-key!')),
    ],
    [
      'with an unknown kid',
      async (token: string) =>
        new SignJWT(decodeJwt(token))
          .setProtectedHeader({ alg: 'HS256', kid: randomUUID() })
          .sign(new TextEncoder().encode('another-key-another-key-another-key!')),
    ],
  ])('refuses a %s token as InvalidToken', async (_, forge) => {
    const services = testServices();
    const issued = await services.tokens.issue({ login: uniqueLogin(), method: 'password' });
    const error = await refusal(services.tokens.verify(await forge(issued.token)));
    expect(error.code).toBe('InvalidToken');
    expect(error.status).toBe(401);
  });

  it('keeps tokens of the previous signing key valid for one rotation, then refuses them', async () => {
    const secretId = await createSecret('k'.repeat(48));
    const services = testServices({ config: { signingKeySecretId: secretId, secretsCacheTtlSeconds: 0 } });
    const before = await services.tokens.issue({ login: uniqueLogin(), method: 'password' });

    await services.secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: 'l'.repeat(48) }));
    const after = await services.tokens.issue({ login: uniqueLogin(), method: 'password' });
    expect(decodeProtectedHeader(after.token).kid).not.toBe(decodeProtectedHeader(before.token).kid);
    await expect(services.tokens.verify(before.token)).resolves.toBeDefined();
    await expect(services.tokens.verify(after.token)).resolves.toBeDefined();

    await services.secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: 'm'.repeat(48) }));
    expect((await refusal(services.tokens.verify(before.token))).code).toBe('InvalidToken');
    await expect(services.tokens.verify(after.token)).resolves.toBeDefined();
  });
});
