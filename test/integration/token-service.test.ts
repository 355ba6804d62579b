import { randomUUID } from 'node:crypto';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { base64url, decodeJwt, decodeProtectedHeader, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { renewToken } from '../../shared/auth/exchange.ts';
import { liveSessions, liveTokens } from '../../shared/tokens/user-tokens.ts';
import { sdkGetSecretValue } from '../../shared/clients/aws.ts';
import { SigningKeys } from '../../shared/secrets/signing-keys.ts';
import { VersionedSecret, type GetSecretValue } from '../../shared/secrets/versioned-secret.ts';
import { sessionOfRecord } from '../../shared/tokens/token-issuer.ts';
import { MAX_XUC_TOKEN_LENGTH, TokenVerifier } from '../../shared/tokens/token-verifier.ts';
import { createSecret } from '../support/secrets.ts';
import { createUser, testConfig, testServices, uniqueLogin, refusal } from '../support/fixtures.ts';

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
      // A new session, named after its first token.
      sid: issued.record.tokenId,
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
      sessionId: issued.record.tokenId,
      sessionStartedAt: claims.iat,
      sessionTtl: 3600,
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

  it('examines a token of exactly the length limit and refuses one character more for its length', async () => {
    const services = testServices();
    const { login } = await createUser(services);
    const issued = await services.tokens.issue({ login, method: 'password' });
    const { kid, key } = await services.signingKeys.current();
    // The real token's claims, padded to a given length: valid in every other way.
    const padded = async (length: number): Promise<string> => {
      for (let header = 0; header < 4; header++) {
        for (let pad = 0; pad < 2 * length; pad++) {
          const token = await new SignJWT({ ...decodeJwt(issued.token), pad: 'x'.repeat(pad) })
            .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT', ...(header ? { x: 'y'.repeat(header) } : {}) })
            .sign(key);
          if (token.length === length) return token;
          if (token.length > length) break;
        }
      }
      throw new Error(`no token of ${length} characters`);
    };
    const atLimit = await padded(MAX_XUC_TOKEN_LENGTH);
    await expect(services.tokens.verify(atLimit)).resolves.toMatchObject({ tokenId: issued.record.tokenId });
    const error = await refusal(services.tokens.verify(await padded(MAX_XUC_TOKEN_LENGTH + 1)));
    expect(error.code).toBe('InvalidToken');
    expect((error.cause as Error).message).toBe(`longer than ${MAX_XUC_TOKEN_LENGTH} characters`);
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

describe('what an issued token says', () => {
  it.each([
    ['password', 'pwd'],
    ['kerberos', 'kerberos'],
    ['cas', 'cas'],
    ['oidc', 'oidc'],
  ] as const)('names a %s exchange "%s" in amr', async (method, amr) => {
    const issued = await testServices().tokens.issue({ login: uniqueLogin(), method });
    expect(decodeJwt(issued.token).amr).toEqual([amr]);
  });

  it('records the identity provider’s attributes when there are any', async () => {
    const { tokens } = testServices();
    const attributes = { groups: ['agents'] };
    expect((await tokens.issue({ login: uniqueLogin(), method: 'cas', attributes })).record.attributes).toEqual(
      attributes,
    );
    expect((await tokens.issue({ login: uniqueLogin(), method: 'cas', attributes: {} })).record).not.toHaveProperty(
      'attributes',
    );
  });
});

describe('the reason a token is refused, for the logs', () => {
  const services = testServices();
  const header = (fields: object) => base64url.encode(JSON.stringify(fields));
  const refused = async (token: string) => {
    const error = await refusal(services.tokens.verify(token));
    return { code: error.code, reason: (error.cause as Error | undefined)?.message };
  };
  /** A token signed with the current signing key, with the given claims only. */
  const signed = async (claims: Record<string, unknown>) => {
    const { key, kid } = await services.signingKeys.current();
    return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid }).sign(key);
  };

  it.each([
    ['with text before it', `!${header({ alg: 'HS256', kid: 'k' })}.e30.c2ln`, 'not a compact JWS'],
    ['with a fourth part', `${header({ alg: 'HS256', kid: 'k' })}.e30.c2ln.c2ln`, 'not a compact JWS'],
    ['with a header that is not JSON', 'aaaa.e30.c2ln', 'unreadable header'],
    ['with no kid', `${header({ alg: 'HS256' })}.e30.c2ln`, 'no usable kid'],
    ['with an empty kid', `${header({ alg: 'HS256', kid: '' })}.e30.c2ln`, 'no usable kid'],
    ['with a number for a kid', `${header({ alg: 'HS256', kid: 42 })}.e30.c2ln`, 'no usable kid'],
    ['with a kid of 129 characters', `${header({ alg: 'HS256', kid: 'k'.repeat(129) })}.e30.c2ln`, 'no usable kid'],
    [
      'with an unknown kid of 128 characters',
      `${header({ alg: 'HS256', kid: 'k'.repeat(128) })}.e30.c2ln`,
      'unknown signing key version',
    ],
  ])('refuses a token %s for what it is', async (_, token, reason) => {
    expect(await refused(token)).toEqual({ code: 'InvalidToken', reason });
  });

  it('keeps what the parser said about an unreadable header', async () => {
    const error = await refusal(services.tokens.verify('x.y.z'));
    expect((error.cause as Error).cause).toBeInstanceOf(Error);
  });

  it('requires sub, jti, iat and exp, signed or not', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: uniqueLogin(), jti: randomUUID(), iat: now, exp: now + 60 };
    for (const missing of Object.keys(claims)) {
      const token = await signed(Object.fromEntries(Object.entries(claims).filter(([name]) => name !== missing)));
      expect(await refused(token)).toEqual({ code: 'InvalidToken', reason: 'signature or claims rejected' });
    }
  });

  it('reads a token’s session from sid only when it is a token id, and refuses another session than the record’s', async () => {
    const issued = await services.tokens.issue({ login: uniqueLogin(), method: 'password' });
    const claims = decodeJwt(issued.token);
    expect((await services.tokens.verify(await signed({ ...claims, sid: 'not a token id' }))).tokenId).toBe(
      issued.record.tokenId,
    );
    // A list holding a token id reads as that id once turned to text: it is no sid either.
    expect((await services.tokens.verify(await signed({ ...claims, sid: [issued.record.tokenId] }))).tokenId).toBe(
      issued.record.tokenId,
    );
    expect(await refused(await signed({ ...claims, sid: randomUUID() }))).toEqual({
      code: 'InvalidToken',
      reason: 'session ended',
    });
  });

  it('names a missing record, a revoked session and a revoke-all', async () => {
    const login = uniqueLogin();
    const now = Math.floor(Date.now() / 1000);
    const orphan = await signed({ sub: login, jti: randomUUID(), iat: now, exp: now + 60 });
    expect(await refused(orphan)).toEqual({ code: 'InvalidToken', reason: 'no record for token' });

    const issued = await services.tokens.issue({ login, method: 'password' });
    await services.tokenStore.revokeAllBefore(login, issued.record.issuedAtMs);
    // Issued at the very millisecond of the mark: not before it.
    expect((await services.tokens.verify(issued.token)).tokenId).toBe(issued.record.tokenId);
    await services.tokenStore.revokeAllBefore(login, issued.record.issuedAtMs + 1);
    expect(await refused(issued.token)).toEqual({ code: 'InvalidToken', reason: 'token revoked by a revoke-all' });
  });
});

describe('signing-key rotation seen by a container that read the key a moment before', () => {
  it('accepts a token of the new key at once, and lets forged kids force one re-read per 30 s at most', async () => {
    const secretId = await createSecret('k'.repeat(48));
    let reads = 0;
    const { secrets } = testServices();
    const counted: GetSecretValue = (input) => (reads++, sdkGetSecretValue(secrets)(input));
    let now = Date.now();
    const verifier = new TokenVerifier({
      keys: new SigningKeys(new VersionedSecret(counted, secretId, 300_000, () => now)),
      states: testServices().tokenStore,
      now: () => now,
    });
    const issuer = testServices({ config: { signingKeySecretId: secretId, secretsCacheTtlSeconds: 0 } });
    await expect(
      verifier.verify((await issuer.tokens.issue({ login: uniqueLogin(), method: 'password' })).token),
    ).resolves.toBeDefined();

    // Another container rotates the key ten seconds later; this one's cache is still fresh.
    now += 10_000;
    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: 'l'.repeat(48) }));
    const fresh = await issuer.tokens.issue({ login: uniqueLogin(), method: 'password' });
    const readsBefore = reads;
    await expect(verifier.verify(fresh.token)).resolves.toBeDefined();
    expect(reads).toBeGreaterThan(readsBefore);

    // Forged kids now cost no read until 30 s have passed since that forced one.
    const forged = async () =>
      new SignJWT({ sub: 'x', jti: randomUUID() })
        .setProtectedHeader({ alg: 'HS256', kid: randomUUID() })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('z'.repeat(48)));
    const settled = reads;
    for (let i = 0; i < 5; i++)
      await expect(verifier.verify(await forged())).rejects.toMatchObject({ code: 'InvalidToken' });
    expect(reads).toBe(settled);
    now += 30_000;
    await expect(verifier.verify(await forged())).rejects.toMatchObject({ code: 'InvalidToken' });
    expect(reads).toBeGreaterThan(settled);
  });
});

describe('sessions: the tokens renewed from one exchange', () => {
  const clocked = (maxTtl = 600) => {
    const clock = { now: Date.UTC(2026, 11, 1, 9, 0, 0) };
    const services = testServices({ now: () => clock.now, config: { tokenMaxTtl: maxTtl } });
    return { clock, services };
  };

  it('issues up to the last second of a session, and refuses at its end', async () => {
    const { clock, services } = clocked(600);
    const now = Math.floor(clock.now / 1000);
    const login = uniqueLogin();
    const last = await services.tokens.issue({
      login,
      method: 'password',
      session: { id: randomUUID(), startedAt: now - 599, ttl: 300 },
    });
    expect(last.ttl).toBe(1);
    const error = await refusal(
      services.tokens.issue({
        login,
        method: 'password',
        session: { id: randomUUID(), startedAt: now - 600, ttl: 300 },
      }),
    );
    expect(error.toJSON()).toEqual({
      error: 'TokenExpired',
      message: 'The session has reached its maximum lifetime: log in again',
    });
  });

  it('takes a token from before sessions for a session of its own, as long as the token', () => {
    const record = {
      tokenId: randomUUID(),
      login: 'a',
      method: 'password' as const,
      issuedAt: 1000,
      issuedAtMs: 1_000_000,
    };
    expect(sessionOfRecord({ ...record, expiresAt: 1600 })).toEqual({ id: record.tokenId, startedAt: 1000, ttl: 600 });
  });

  it('renews with the lifetime the session was opened with, in the same session', async () => {
    const { clock, services } = clocked(3600);
    const { login } = await createUser(services);
    const first = await services.tokens.issue({ login, method: 'password', expiration: 120 });
    clock.now += 60_000;
    const renewed = await renewToken(services, first.token);
    expect(renewed.ttl).toBe(120);
    expect(decodeJwt(renewed.token).sid).toBe(first.record.tokenId);
    expect(renewed.record).toMatchObject({
      sessionId: first.record.tokenId,
      sessionStartedAt: first.record.issuedAt,
      sessionTtl: 120,
    });
  });

  it('never renews past the session start + TOKEN_MAX_TTL: the chain ends there', async () => {
    const { clock, services } = clocked(600);
    const { login } = await createUser(services);
    const first = await services.tokens.issue({ login, method: 'password', expiration: 300 });
    clock.now += 250_000;
    const second = await renewToken(services, first.token);
    expect(second.ttl).toBe(300);
    clock.now += 250_000;
    const last = await renewToken(services, second.token);
    expect(last.ttl).toBe(100);
    expect(last.record.expiresAt).toBe(first.record.issuedAt + 600);
    clock.now += 100_000;
    for (const token of [first.token, second.token, last.token]) {
      await expect(renewToken(services, token)).rejects.toMatchObject({ code: 'TokenExpired' });
    }
  });

  it('ends the whole session when any of its tokens is revoked, and no other session', async () => {
    const { clock, services } = clocked(3600);
    const { login } = await createUser(services);
    const a = await services.tokens.issue({ login, method: 'password' });
    clock.now += 1000;
    const b = await renewToken(services, a.token);
    clock.now += 1000;
    const c = await renewToken(services, b.token);
    const other = await services.tokens.issue({ login, method: 'password' });
    expect(await services.tokenStore.revoke(b.record.tokenId, login, Math.floor(clock.now / 1000))).toBe(true);
    for (const token of [a.token, b.token, c.token]) {
      await expect(services.tokens.verify(token)).rejects.toMatchObject({ code: 'InvalidToken' });
    }
    await expect(renewToken(services, c.token)).rejects.toMatchObject({ code: 'InvalidToken' });
    await expect(services.tokens.verify(other.token)).resolves.toMatchObject({ tokenId: other.record.tokenId });
    expect((await liveTokens(services.tokenStore, login, () => clock.now)).map((record) => record.tokenId)).toEqual([
      other.record.tokenId,
    ]);
  });

  it('shows one entry per live session: its newest token, current for the caller’s session', async () => {
    const { clock, services } = clocked(3600);
    const { login } = await createUser(services);
    const a = await services.tokens.issue({ login, method: 'password' });
    clock.now += 1000;
    const b = await renewToken(services, a.token);
    const other = await services.tokens.issue({ login, method: 'password' });
    const { tokens: listed } = await liveSessions(services.tokenStore, login, a.record.tokenId, {}, () => clock.now);
    expect(listed.map(({ id, session, current }) => ({ id, session, current }))).toEqual(
      expect.arrayContaining([
        { id: b.record.tokenId, session: a.record.tokenId, current: true },
        { id: other.record.tokenId, session: other.record.tokenId, current: false },
      ]),
    );
    expect(listed).toHaveLength(2);
  });
});

describe('MAX_SESSIONS_PER_USER: the live sessions of one login', () => {
  const capped = (max: number) => {
    const clock = { now: Date.UTC(2026, 11, 1, 9, 0, 0) };
    const services = testServices({ now: () => clock.now, config: { maxSessionsPerUser: max, tokenMaxTtl: 3600 } });
    const open = async (login: string) => {
      clock.now += 1000;
      return services.tokens.issue({ login, method: 'password', expiration: 600 });
    };
    const liveSessionIds = async (login: string) =>
      new Set((await liveTokens(services.tokenStore, login, () => clock.now)).map((record) => record.sessionId));
    return { clock, services, open, liveSessionIds };
  };

  it('ends the oldest sessions beyond the cap, never the one being opened', async () => {
    const { services, open, liveSessionIds } = capped(3);
    const { login } = await createUser(services);
    const opened = [];
    for (let i = 0; i < 7; i++) opened.push(await open(login));
    const newest = opened.slice(-3).map((issued) => issued.record.tokenId);
    expect(await liveSessionIds(login)).toEqual(new Set(newest));
    for (const issued of opened.slice(0, 4)) {
      await expect(services.tokens.verify(issued.token)).rejects.toMatchObject({ code: 'InvalidToken' });
    }
    for (const issued of opened.slice(-3)) await expect(services.tokens.verify(issued.token)).resolves.toBeDefined();
  });

  it('counts a renewal as its session, not as a new one', async () => {
    const { clock, services, open, liveSessionIds } = capped(2);
    const { login } = await createUser(services);
    const first = await open(login);
    const second = await open(login);
    let token = first.token;
    for (let i = 0; i < 5; i++) {
      clock.now += 1000;
      token = (await renewToken(services, token)).token;
    }
    expect(await liveSessionIds(login)).toEqual(new Set([first.record.tokenId, second.record.tokenId]));
    await expect(services.tokens.verify(token)).resolves.toMatchObject({ sessionId: first.record.tokenId });
  });

  it('leaves live sessions alone when the ones counted have ended or expired', async () => {
    const { clock, services, open, liveSessionIds } = capped(2);
    const { login } = await createUser(services);
    const loggedOut = await open(login);
    await open(login);
    await services.tokenStore.revoke(loggedOut.record.tokenId, login, Math.floor(clock.now / 1000));
    clock.now += 600_000;
    const a = await open(login);
    const b = await open(login);
    expect(await liveSessionIds(login)).toEqual(new Set([a.record.tokenId, b.record.tokenId]));
  });

  it('holds under sessions opened side by side, and opens every one of them', async () => {
    const { services, open, liveSessionIds } = capped(3);
    const { login } = await createUser(services);
    const opened = await Promise.all(
      Array.from({ length: 12 }, () => services.tokens.issue({ login, method: 'password' })),
    );
    expect(new Set(opened.map((issued) => issued.record.sessionId)).size).toBe(12);
    const live = await liveSessionIds(login);
    expect(live.size).toBeGreaterThan(0);
    expect(live.size).toBeLessThanOrEqual(3);
    const next = await open(login);
    expect(await liveSessionIds(login)).toContain(next.record.tokenId);
    expect((await liveSessionIds(login)).size).toBeLessThanOrEqual(3);
  });

  it('lists sessions newest first, a page at a time, stable while sessions renew', async () => {
    const { clock, services, open } = capped(50);
    const { login } = await createUser(services);
    const opened = [];
    for (let i = 0; i < 5; i++) opened.push(await open(login));
    const caller = opened[0]!.record.tokenId;
    const list = (page: { limit?: number; cursor?: string }) =>
      liveSessions(services.tokenStore, login, caller, page, () => clock.now);

    const first = await list({ limit: 2 });
    // A renewal between pages moves nothing: the order is the sessions' start.
    clock.now += 1000;
    await renewToken(services, opened[4]!.token);
    const second = await list({ limit: 2, cursor: first.nextCursor! });
    const third = await list({ limit: 2, cursor: second.nextCursor! });
    expect(third.nextCursor).toBeUndefined();
    const sessions = [...first.tokens, ...second.tokens, ...third.tokens].map((view) => view.session);
    expect(sessions).toEqual(opened.map((issued) => issued.record.tokenId).reverse());
    expect(third.tokens.at(-1)).toMatchObject({ session: caller, current: true });
    expect((await list({})).tokens).toHaveLength(5);
    await expect(list({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({ code: 'InvalidRequest' });
  });
});
