import { randomUUID, timingSafeEqual } from 'node:crypto';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { UnsecuredJWT } from 'jose';
import { describe, expect, inject, it } from 'vitest';
import { handler } from '../../functions/authorizer/handler.ts';
import { authorize } from '../../shared/authorizer/authorize.ts';
import { DecisionCache } from '../../shared/authorizer/decision-cache.ts';
import { sdkGetSecretValue } from '../../shared/clients/aws.ts';
import { AwsJsonRpcClient, SECRETS_MANAGER } from '../../shared/clients/aws-json-rpc.ts';
import { rpcGetSecretValue } from '../../shared/clients/rpc-reads.ts';
import { SharedToken } from '../../shared/secrets/shared-token.ts';
import { VersionedSecret, type GetSecretValue } from '../../shared/secrets/versioned-secret.ts';
import { services } from '../../shared/services.ts';
import { localClients } from '../../infra/local/stack.ts';
import { authorizerEvent, testServices, uniqueLogin } from '../support/fixtures.ts';
import { createSecret } from '../support/secrets.ts';

const sharedToken = inject('playAuthToken');

async function userToken(expiration?: number) {
  return services().tokens.issue({ login: uniqueLogin(), method: 'password', ...(expiration ? { expiration } : {}) });
}

describe('authorizer', () => {
  it('throws exactly Error("Unauthorized") when no token is presented', async () => {
    await expect(handler(authorizerEvent({}))).rejects.toThrow(new Error('Unauthorized'));
    await expect(handler(authorizerEvent({ headers: { authorization: 'Basic abc' } }))).rejects.toThrow('Unauthorized');
  });

  it.each([
    ['Authorization: Bearer', (t: string) => ({ headers: { Authorization: `Bearer ${t}` } })],
    ['X-Auth-Token', (t: string) => ({ headers: { 'X-Auth-Token': t } })],
    ['x-auth-token (lowercase, as AWS sends it)', (t: string) => ({ headers: { 'x-auth-token': t } })],
    ['?token=', (t: string) => ({ query: { token: t } })],
  ])('admits a valid Xuc token in %s with the user context', async (_, place) => {
    const issued = await userToken();
    const result = await handler(authorizerEvent(place(issued.token)));
    expect(result).toEqual({
      isAuthorized: true,
      context: { principal: 'user', login: issued.record.login, method: 'password', tokenId: issued.record.tokenId },
    });
  });

  it('admits the shared token in X-Auth-Token as the server principal', async () => {
    const result = await handler(authorizerEvent({ headers: { 'X-Auth-Token': sharedToken } }));
    expect(result).toEqual({ isAuthorized: true, context: { principal: 'server' } });
  });

  it('admits the shared token on shared-token routes, and nothing else there', async () => {
    const issued = await userToken();
    for (const path of ['/configmgt/api/1.0/users', '/recording/records', '//configmgt/x', '/xuc/../recording/x']) {
      expect(await handler(authorizerEvent({ path, headers: { 'X-Auth-Token': sharedToken } }))).toMatchObject({
        isAuthorized: true,
      });
      expect(await handler(authorizerEvent({ path, headers: { 'X-Auth-Token': issued.token } }))).toEqual({
        isAuthorized: false,
      });
    }
  });

  it('never takes the shared token from the query string or a Bearer header', async () => {
    expect(await handler(authorizerEvent({ query: { token: sharedToken } }))).toEqual({ isAuthorized: false });
    expect(await handler(authorizerEvent({ headers: { authorization: `Bearer ${sharedToken}` } }))).toEqual({
      isAuthorized: false,
    });
    expect(await handler(authorizerEvent({ path: '/configmgt/x', query: { token: sharedToken } }))).toEqual({
      isAuthorized: false,
    });
  });

  it('refuses a forged token beside a valid one', async () => {
    const issued = await userToken();
    const result = await handler(
      authorizerEvent({ headers: { authorization: 'Bearer forged', 'x-auth-token': issued.token } }),
    );
    expect(result).toEqual({ isAuthorized: false });
  });

  it('keeps user tokens off shared-token routes however the path is spelt, under a named stage too', async () => {
    const issued = await userToken();
    const onStage = (path: string, stage: string, token: string) => {
      const event = authorizerEvent({ path, headers: { 'x-auth-token': token } });
      return handler({ ...event, requestContext: { ...event.requestContext, stage } });
    };
    for (const path of [
      '/Configmgt/x',
      '/configmgt;a=b/x',
      '/configmgt%00/x',
      '/%2563onfigmgt/x',
      '/configmgt%2Fx',
      '/RECORDING/r',
    ]) {
      expect(await onStage(path, '$default', issued.token)).toEqual({ isAuthorized: false });
    }
    expect(await onStage('/prod/configmgt/x', 'prod', issued.token)).toEqual({ isAuthorized: false });
    expect(await onStage('/prod/configmgt/x', 'prod', sharedToken)).toMatchObject({ isAuthorized: true });
    expect(await onStage('/prod/xuc/api/2.0/auth/tokens', 'prod', issued.token)).toMatchObject({ isAuthorized: true });
  });

  it.each([
    ['garbage', () => 'garbage'],
    ['truncated', async () => (await userToken()).token.slice(0, -5)],
    ['10 KB', () => 'x'.repeat(10_240)],
    ['non-ASCII', () => 'jeton-é-令牌'],
    [
      'alg none',
      () => new UnsecuredJWT({ sub: 'admin', jti: randomUUID() }).setIssuedAt().setExpirationTime('1h').encode(),
    ],
    [
      'revoked',
      async () => {
        const issued = await userToken();
        await services().tokenStore.revoke(issued.record.tokenId, issued.record.login, Math.floor(Date.now() / 1000));
        return issued.token;
      },
    ],
    ['a near-miss of the shared token', () => `${sharedToken.slice(0, -1)}X`],
  ])('denies a %s token with isAuthorized:false, never an error', async (_, token) => {
    const value = await token();
    await expect(handler(authorizerEvent({ headers: { 'x-auth-token': value } }))).resolves.toEqual({
      isAuthorized: false,
    });
    await expect(handler(authorizerEvent({ query: { token: value } }))).resolves.toEqual({ isAuthorized: false });
  });

  it('refuses two different tokens in one request, even two valid ones', async () => {
    const [alice, bob] = [await userToken(), await userToken()];
    const both = { headers: { Authorization: `Bearer ${alice.token}`, 'X-Auth-Token': bob.token } };
    expect(await handler(authorizerEvent(both))).toEqual({ isAuthorized: false });
    const deps = { tokens: services().tokens, sharedToken: services().sharedToken, sharedTokenRoutes: [] };
    expect(
      await authorize(
        deps,
        authorizerEvent({ headers: { 'x-auth-token': alice.token }, query: { token: sharedToken } }),
      ),
    ).toMatchObject({
      kind: 'deny',
      category: 'AmbiguousToken',
    });
    // The same token twice is one token.
    const twice = { headers: { Authorization: `Bearer ${alice.token}`, 'X-Auth-Token': alice.token } };
    expect(await handler(authorizerEvent(twice))).toMatchObject({ isAuthorized: true });
  });

  it('denies an expired token', async () => {
    let now = Date.now();
    const clocked = testServices({ now: () => now });
    const issued = await clocked.tokens.issue({ login: uniqueLogin(), method: 'password', expiration: 60 });
    now += 61_000;
    const decision = await authorize(
      { tokens: clocked.tokens, sharedToken: clocked.sharedToken, sharedTokenRoutes: ['/configmgt/'] },
      authorizerEvent({ headers: { 'x-auth-token': issued.token } }),
    );
    expect(decision).toEqual({
      kind: 'deny',
      reason: expect.stringContaining('"exp" claim timestamp check failed'),
      category: 'TokenExpired',
    });
  });

  it('names why it refuses a user token on a shared-token route or an unreadable path', async () => {
    const issued = await userToken();
    const deps = { tokens: services().tokens, sharedToken: services().sharedToken, sharedTokenRoutes: ['/configmgt/'] };
    const on = (path: string) => authorize(deps, authorizerEvent({ path, headers: { 'x-auth-token': issued.token } }));
    expect(await on('/configmgt/x')).toEqual({
      kind: 'deny',
      reason: 'route admits only the shared token',
      category: 'SharedTokenRoute',
    });
    expect(await on('/configmgt%2Fx')).toEqual({ kind: 'deny', reason: 'unreadable path', category: 'UnreadablePath' });
  });

  it('admits a valid token with no decision cache at all', async () => {
    const issued = await userToken();
    const deps = { tokens: services().tokens, sharedToken: services().sharedToken, sharedTokenRoutes: [] };
    expect(
      await authorize(deps, authorizerEvent({ headers: { authorization: `Bearer ${issued.token}` } })),
    ).toMatchObject({ kind: 'allow', context: { login: issued.record.login } });
  });

  it('fails closed when Secrets Manager or DynamoDB cannot be reached', async () => {
    const issued = await userToken();
    const dead = localClients({ dynamodb: 'http://127.0.0.1:9', secretsManager: 'http://127.0.0.1:9' });
    const deadSecrets = testServices({ secrets: dead.secrets });
    const deadTables = testServices({ db: dead.db });
    for (const broken of [deadSecrets, deadTables]) {
      const decision = await authorize(
        { tokens: broken.tokens, sharedToken: broken.sharedToken, sharedTokenRoutes: [] },
        authorizerEvent({ headers: { 'x-auth-token': issued.token } }),
      );
      expect(decision).toMatchObject({ kind: 'deny', reason: expect.stringMatching(/unavailable/) });
    }
  });
});

describe('decision cache (AUTHORIZER_CACHE_TTL)', () => {
  it('without a revocation view, admits a revoked token from the cache only until AUTHORIZER_CACHE_TTL, with no DynamoDB read meanwhile', async () => {
    let now = Date.now();
    const clocked = testServices({ now: () => now });
    const cache = new DecisionCache(30_000, 100, () => now);
    const deps = { tokens: clocked.tokens, sharedToken: clocked.sharedToken, sharedTokenRoutes: [], cache };
    const issued = await clocked.tokens.issue({ login: uniqueLogin(), method: 'password' });
    const event = authorizerEvent({ headers: { 'x-auth-token': issued.token } });

    expect(await authorize(deps, event)).toMatchObject({ kind: 'allow' });
    await clocked.tokenStore.revoke(issued.record.tokenId, issued.record.login, Math.floor(now / 1000));
    now += 29_000;
    expect(await authorize(deps, event)).toMatchObject({ kind: 'allow' });
    now += 1_000;
    expect(await authorize(deps, event)).toMatchObject({ kind: 'deny', reason: expect.stringContaining('revoked') });
  });

  it('never lets the cache widen a shared-token route', async () => {
    const issued = await userToken();
    const cache = new DecisionCache(30_000);
    const deps = {
      tokens: services().tokens,
      sharedToken: services().sharedToken,
      sharedTokenRoutes: ['/configmgt/'],
      cache,
    };
    expect(await authorize(deps, authorizerEvent({ headers: { 'x-auth-token': issued.token } }))).toMatchObject({
      kind: 'allow',
    });
    const decision = await authorize(
      deps,
      authorizerEvent({ path: '/configmgt/x', headers: { 'x-auth-token': issued.token } }),
    );
    expect(decision).toMatchObject({ kind: 'deny' });
  });
});

// The functions read secrets through the SDK client; the authorizer through its JSON RPC client.
const secretReaders: [string, () => GetSecretValue][] = [
  ['the SDK client', () => sdkGetSecretValue(localClients(inject('endpoints')).secrets)],
  ['the JSON RPC client', () => rpcGetSecretValue(new AwsJsonRpcClient(SECRETS_MANAGER, { timeoutMs: 5000 }))],
];

describe.each(secretReaders)('shared token read through %s', (_, reader) => {
  it('accepts the current and the previous version during a rotation, and only those', async () => {
    const secretId = await createSecret('first-shared-token');
    const { secrets } = localClients(inject('endpoints'));
    const shared = new SharedToken(new VersionedSecret(reader(), secretId, 0));
    expect(await shared.matches('first-shared-token')).toBe(true);
    expect(await shared.matches('second-shared-token')).toBe(false);

    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: 'second-shared-token' }));
    expect(await shared.matches('first-shared-token')).toBe(true);
    expect(await shared.matches('second-shared-token')).toBe(true);

    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: 'third-shared-token' }));
    expect(await shared.matches('first-shared-token')).toBe(false);
    expect(await shared.matches('second-shared-token')).toBe(true);
    expect(await shared.matches('third-shared-token')).toBe(true);
    expect(await shared.matches('')).toBe(false);
  });

  it('decides only through the constant-time comparison, over equal-length digests of both versions, every time', async () => {
    const secretId = await createSecret('first-shared-token');
    const { secrets } = localClients(inject('endpoints'));
    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: 'second-shared-token-longer' }));
    const compared: [number, number][] = [];
    let verdict: boolean | undefined;
    // Node's timingSafeEqual, watched; or a fixed verdict, to show that nothing else decides.
    const compare = (a: Buffer, b: Buffer) => (compared.push([a.length, b.length]), verdict ?? timingSafeEqual(a, b));
    const shared = new SharedToken(new VersionedSecret(reader(), secretId, 0), compare);
    for (const presented of ['second-shared-token-longer', 'first-shared-token', 'x', 'y'.repeat(5000)]) {
      compared.length = 0;
      await shared.matches(presented);
      expect(compared).toEqual([
        [32, 32],
        [32, 32],
      ]);
    }
    verdict = false;
    expect(await shared.matches('second-shared-token-longer')).toBe(false);
    verdict = true;
    expect(await shared.matches('not the token')).toBe(true);
  });

  it('serves a cached value within its age and re-reads it after', async () => {
    const secretId = await createSecret('cached-one');
    const { secrets } = localClients(inject('endpoints'));
    let now = 0;
    const shared = new SharedToken(new VersionedSecret(reader(), secretId, 60_000, () => now));
    expect(await shared.matches('cached-one')).toBe(true);
    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: 'cached-two' }));
    await secrets.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: 'cached-three' }));
    expect(await shared.matches('cached-one')).toBe(true);
    now = 60_001;
    expect(await shared.matches('cached-one')).toBe(false);
    expect(await shared.matches('cached-three')).toBe(true);
  });
});
