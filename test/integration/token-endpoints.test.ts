import { base64url } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { handler as check } from '../../functions/check/handler.ts';
import { handler as logout } from '../../functions/logout/handler.ts';
import { handler as tokens } from '../../functions/tokens/handler.ts';
import { services } from '../../shared/services.ts';
import { revokeToken } from '../../shared/tokens/user-tokens.ts';
import { localClients } from '../../infra/local/stack.ts';
import { bodyOf, createUser, httpEvent, lambdaContext, testServices, uniqueLogin } from '../support/fixtures.ts';
import { throughGateway } from '../support/gateway.ts';

const BASE = '/xuc/api/2.0/auth';
const sharedToken = () => inject('playAuthToken');

async function loggedIn(options: { softwareType?: string } = {}) {
  const user = await createUser(services());
  const issued = await services().tokens.issue({ login: user.login, method: 'password', ...options });
  return { ...user, token: issued.token, tokenId: issued.record.tokenId };
}

const checkWith = (headers: Record<string, string>, query?: Record<string, string>) =>
  check(httpEvent({ path: `${BASE}/check`, headers, ...(query ? { query } : {}) }), lambdaContext);

describe('GET /auth/check', () => {
  it.each([
    ['X-Auth-Token', (t: string) => checkWith({ 'X-Auth-Token': t })],
    ['Bearer', (t: string) => checkWith({ authorization: `Bearer ${t}` })],
    ['?token=', (t: string) => checkWith({}, { token: t })],
  ])('answers a renewed token for a valid one in %s; the old one stays valid', async (_, call) => {
    const user = await loggedIn({ softwareType: 'webBrowser' });
    const result = await call(user.token);
    expect(result.statusCode).toBe(200);
    const body = bodyOf(result);
    expect(body).toEqual({ login: user.login, token: expect.any(String), TTL: 3600 });
    expect(body.token).not.toBe(user.token);
    const renewed = await services().tokens.verify(body.token as string);
    expect(renewed).toMatchObject({ login: user.login, method: 'password', softwareType: 'webBrowser' });
    await expect(services().tokens.verify(user.token)).resolves.toBeDefined();
  });

  it('answers 400 InvalidRequest for two different tokens in one request', async () => {
    const [first, second] = [await loggedIn(), await loggedIn()];
    const result = await checkWith({ authorization: `Bearer ${first.token}`, 'x-auth-token': second.token });
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ error: 'InvalidRequest', message: 'Two different tokens in one request' });
  });

  it('answers InvalidToken without a token, or for a forged or revoked one', async () => {
    const user = await loggedIn();
    await services().tokenStore.revoke(user.tokenId, user.login, Math.floor(Date.now() / 1000));
    for (const result of [
      await checkWith({}),
      await checkWith({ 'x-auth-token': 'forged' }),
      await checkWith({ 'x-auth-token': user.token }),
    ]) {
      expect(result.statusCode).toBe(401);
      expect(bodyOf(result).error).toBe('InvalidToken');
    }
  });

  it.each([
    ['garbage', (t: string) => `garbage${t.length}`],
    ['truncated', (t: string) => t.slice(0, -7)],
    ['10 KB', () => 'a'.repeat(10_240)],
    ['non-ASCII', (t: string) => `${t.slice(0, -1)}é`],
    ['alg none', (t: string) => `${base64url.encode('{"alg":"none"}')}.${t.split('.')[1]}.`],
    ['wrongly signed', (t: string) => `${t.split('.').slice(0, 2).join('.')}.${base64url.encode('x'.repeat(32))}`],
  ])('answers 401 InvalidToken for a %s token', async (_, forge) => {
    const user = await loggedIn();
    const result = await checkWith({ 'x-auth-token': forge(user.token) });
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toEqual({ error: 'InvalidToken', message: 'Invalid token' });
  });

  it('answers TokenExpired for an expired token', async () => {
    const past = testServices({ now: () => Date.now() - 7_200_000 });
    const issued = await past.tokens.issue({ login: uniqueLogin(), method: 'password', expiration: 60 });
    const result = await checkWith({ 'x-auth-token': issued.token });
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toEqual({ error: 'TokenExpired', message: 'Token expired' });
  });

  it('does not renew the token of a user who may no longer log in', async () => {
    const user = await loggedIn();
    await services().users.setDisabled(user.login, true, new Date());
    const result = await checkWith({ 'x-auth-token': user.token });
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result).error).toBe('UserNotFound');
  });
});

describe('POST /auth/logout (behind the authorizer)', () => {
  it('revokes the presented token: 204, then the token is refused everywhere', async () => {
    const user = await loggedIn();
    const other = await services().tokens.issue({ login: user.login, method: 'password' });
    const result = await throughGateway(logout, {
      method: 'POST',
      path: `${BASE}/logout`,
      headers: { 'X-Auth-Token': user.token },
    });
    expect(result.statusCode).toBe(204);
    expect(
      (
        await throughGateway(logout, {
          method: 'POST',
          path: `${BASE}/logout`,
          headers: { 'X-Auth-Token': user.token },
        })
      ).statusCode,
    ).toBe(403);
    expect(bodyOf(await checkWith({ 'x-auth-token': user.token })).error).toBe('InvalidToken');
    await expect(services().tokens.verify(other.token)).resolves.toBeDefined();
  });

  it('is 401 without a token and 400 for the shared token, which has nothing to log out', async () => {
    expect((await throughGateway(logout, { method: 'POST', path: `${BASE}/logout` })).statusCode).toBe(401);
    const result = await throughGateway(logout, {
      method: 'POST',
      path: `${BASE}/logout`,
      headers: { 'X-Auth-Token': sharedToken() },
    });
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result).error).toBe('InvalidRequest');
  });
});

describe('/auth/tokens (behind the authorizer)', () => {
  it("lists the caller's live tokens without their values, marking the current one", async () => {
    const user = await loggedIn({ softwareType: 'webBrowser' });
    const second = await services().tokens.issue({ login: user.login, method: 'password', applicationType: 'ccagent' });
    const revoked = await services().tokens.issue({ login: user.login, method: 'password' });
    await services().tokenStore.revoke(revoked.record.tokenId, user.login, Math.floor(Date.now() / 1000));
    await loggedIn();

    const result = await throughGateway(tokens, {
      path: `${BASE}/tokens`,
      headers: { authorization: `Bearer ${user.token}` },
    });
    expect(result.statusCode).toBe(200);
    const listed = bodyOf(result).tokens as Record<string, unknown>[];
    expect(listed).toHaveLength(2);
    expect(listed).toContainEqual({
      id: user.tokenId,
      session: user.tokenId,
      startedAt: expect.stringMatching(/Z$/),
      method: 'password',
      issuedAt: expect.stringMatching(/Z$/),
      expiresAt: expect.stringMatching(/Z$/),
      softwareType: 'webBrowser',
      current: true,
    });
    expect(listed).toContainEqual(
      expect.objectContaining({ id: second.record.tokenId, applicationType: 'ccagent', current: false }),
    );
    expect(result.body).not.toContain(user.token);
    expect(result.body).not.toContain(second.token);
  });

  it('pages the list with limit and cursor, and answers 400 for a bad one', async () => {
    const user = await loggedIn();
    for (let i = 0; i < 2; i++) await services().tokens.issue({ login: user.login, method: 'password' });
    const list = (query: Record<string, string>) =>
      throughGateway(tokens, { path: `${BASE}/tokens`, query, headers: { 'x-auth-token': user.token } });

    const seen: string[] = [];
    let query: Record<string, string> = { limit: '1' };
    for (let page = 0; page < 5; page++) {
      const result = await list(query);
      expect(result.statusCode).toBe(200);
      const body = bodyOf(result) as { tokens: { session: string }[]; nextCursor?: string };
      expect(body.tokens).toHaveLength(1);
      seen.push(body.tokens[0]!.session);
      if (!body.nextCursor) break;
      query = { limit: '1', cursor: body.nextCursor };
    }
    expect(new Set(seen).size).toBe(3);

    for (const bad of [{ limit: '0' }, { limit: '101' }, { limit: '1.5' }, { limit: 'x' }, { cursor: 'x' }]) {
      const result = await list(bad);
      expect(result.statusCode).toBe(400);
      expect(bodyOf(result)).toMatchObject({ error: 'InvalidRequest' });
    }
  });

  it("revokes one token of the caller, and refuses to touch anyone else's", async () => {
    const user = await loggedIn();
    const second = await services().tokens.issue({ login: user.login, method: 'password' });
    const stranger = await loggedIn();
    const del = (id: string) =>
      throughGateway(tokens, {
        method: 'DELETE',
        path: `${BASE}/tokens/${id}`,
        pathParameters: { id },
        headers: { 'x-auth-token': user.token },
      });

    const foreign = await del(stranger.tokenId);
    expect(foreign.statusCode).toBe(404);
    expect(bodyOf(foreign)).toEqual({ error: 'TokenNotFound', message: 'No such token' });
    await expect(services().tokens.verify(stranger.token)).resolves.toBeDefined();

    expect((await del(second.record.tokenId)).statusCode).toBe(204);
    expect((await del(second.record.tokenId)).statusCode).toBe(404);
    expect(bodyOf(await checkWith({ 'x-auth-token': second.token })).error).toBe('InvalidToken');
    await expect(services().tokens.verify(user.token)).resolves.toBeDefined();
  });

  it('answers 404 for anything that is not a token id, before any I/O', async () => {
    const user = await loggedIn();
    for (const id of [
      'x',
      'x'.repeat(3000),
      user.tokenId.toUpperCase(),
      `${user.tokenId} `,
      `${user.tokenId};x`,
      '..',
    ]) {
      const result = await throughGateway(tokens, {
        method: 'DELETE',
        path: `${BASE}/tokens/${encodeURIComponent(id)}`,
        pathParameters: { id },
        headers: { 'x-auth-token': user.token },
      });
      expect(result.statusCode).toBe(404);
      expect(bodyOf(result)).toEqual({ error: 'TokenNotFound', message: 'No such token' });
    }
    // With no DynamoDB at all the answer is the same: nothing was read.
    const dead = testServices(localClients({ dynamodb: 'http://127.0.0.1:9', secretsManager: 'http://127.0.0.1:9' }));
    await expect(revokeToken(dead.tokenStore, user.login, 'not-a-token-id')).rejects.toMatchObject({
      code: 'TokenNotFound',
    });
    await expect(revokeToken(dead.tokenStore, user.login, user.tokenId)).rejects.toMatchObject({
      code: 'ServiceUnavailable',
    });
  });

  it('revokes all tokens of the caller and only theirs', async () => {
    const user = await loggedIn();
    const second = await services().tokens.issue({ login: user.login, method: 'password' });
    const stranger = await loggedIn();
    const result = await throughGateway(tokens, {
      method: 'DELETE',
      path: `${BASE}/tokens`,
      query: { token: user.token },
    });
    expect(result.statusCode).toBe(204);
    for (const token of [user.token, second.token]) {
      expect(bodyOf(await checkWith({ 'x-auth-token': token })).error).toBe('InvalidToken');
    }
    await expect(services().tokens.verify(stranger.token)).resolves.toBeDefined();
  });

  it('is refused by the gateway without a token (401) or with a bad one (403)', async () => {
    expect((await throughGateway(tokens, { path: `${BASE}/tokens` })).statusCode).toBe(401);
    expect(
      (await throughGateway(tokens, { path: `${BASE}/tokens`, headers: { 'x-auth-token': 'nope' } })).statusCode,
    ).toBe(403);
  });
});
