import { PassThrough, Readable } from 'node:stream';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { run as cli } from '../../cli/main.ts';
import { handler as check } from '../../functions/check/handler.ts';
import { handler as logout } from '../../functions/logout/handler.ts';
import { handler as tokens } from '../../functions/tokens/handler.ts';
import { localClients, localRpcClients, provisionStack, type Endpoints } from '../../infra/local/stack.ts';
import { createServices } from '../../shared/services.ts';
import { authorize } from '../../shared/authorizer/authorize.ts';
import { createAuthorizerServices } from '../../shared/authorizer/authorizer-services.ts';
import { services } from '../../shared/services.ts';
import {
  authorizerEvent,
  bodyOf,
  createUser,
  httpEvent,
  lambdaContext,
  postLogin,
  testConfig,
} from '../support/fixtures.ts';
import { throughGateway } from '../support/gateway.ts';
import { ifAssigned } from '../support/hooks.ts';
import { stoppableEmulators } from '../support/stoppable-emulators.ts';

const BASE = '/xuc/api/2.0/auth';
const WINDOW_MS = 1000;

/** A warm authorizer container of its own: its own cache and revocation view, on a clock the test moves. */
function authorizerContainer(clock: { now: number }, endpoints: Endpoints = inject('endpoints')) {
  const config = {
    ...testConfig(),
    authorizerCacheTtlSeconds: 30,
    revocationWindowSeconds: WINDOW_MS / 1000,
    dependencyTimeoutMs: 500,
  };
  const deps = createAuthorizerServices(config, { ...localRpcClients(endpoints), now: () => clock.now });
  return (token: string) => authorize(deps, authorizerEvent({ headers: { 'x-auth-token': token } }));
}

async function loggedInUser() {
  const user = await createUser(services());
  const body = bodyOf(await postLogin({ login: user.login, password: user.password }));
  return {
    login: user.login,
    token: body.token as string,
    tokenId: (await services().tokens.verify(body.token as string)).tokenId,
  };
}

async function admin(...argv: string[]) {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  // Only `users passwd --password-stdin` reads it.
  const stdin = Readable.from(['a-new-password-0123\n']);
  const code = await cli({ argv, stdin, stdout, stderr, env: process.env, cwd: process.cwd() });
  expect(code).toBe(0);
}

const REVOCATIONS: [string, (user: Awaited<ReturnType<typeof loggedInUser>>) => Promise<unknown>][] = [
  [
    'POST /logout',
    async ({ token }) =>
      expect(
        (await throughGateway(logout, { method: 'POST', path: `${BASE}/logout`, headers: { 'X-Auth-Token': token } }))
          .statusCode,
      ).toBe(204),
  ],
  [
    'DELETE /tokens/{id}',
    async ({ token, tokenId }) =>
      expect(
        (
          await throughGateway(tokens, {
            method: 'DELETE',
            path: `${BASE}/tokens/${tokenId}`,
            pathParameters: { id: tokenId },
            headers: { 'X-Auth-Token': token },
          })
        ).statusCode,
      ).toBe(204),
  ],
  [
    'DELETE /tokens',
    async ({ token }) =>
      expect(
        (await throughGateway(tokens, { method: 'DELETE', path: `${BASE}/tokens`, headers: { 'X-Auth-Token': token } }))
          .statusCode,
      ).toBe(204),
  ],
  ['xuc-auth tokens revoke', ({ tokenId }) => admin('tokens', 'revoke', tokenId)],
  ['xuc-auth tokens revoke-all', ({ login }) => admin('tokens', 'revoke-all', login)],
  ['xuc-auth users disable', ({ login }) => admin('users', 'disable', login)],
  ['xuc-auth users remove', ({ login }) => admin('users', 'remove', login)],
  ['xuc-auth users passwd', ({ login }) => admin('users', 'passwd', login, '--password-stdin')],
];

describe('revocation reaches every warm authorizer container within REVOCATION_WINDOW', () => {
  it.each(REVOCATIONS)('%s', async (_, revoke) => {
    const user = await loggedInUser();
    const clock = { now: Date.now() };
    const containers = [authorizerContainer(clock), authorizerContainer(clock), authorizerContainer(clock)];
    for (const decide of containers) expect(await decide(user.token)).toMatchObject({ kind: 'allow' });

    await revoke(user);
    // Inside the window a container may still answer from its cache, and one that has never
    // seen the token reads the record at once.
    clock.now += WINDOW_MS - 1;
    expect(await containers[0]!(user.token)).toMatchObject({ kind: 'allow' });
    expect(await authorizerContainer(clock)(user.token)).toMatchObject({ kind: 'deny' });
    clock.now += 1;
    for (const decide of containers)
      expect(await decide(user.token)).toMatchObject({
        kind: 'deny',
        reason: expect.stringMatching(/revoked|no record/),
      });
  });

  it('keeps admitting the user’s other tokens, and tokens of other users, from the cache', async () => {
    const alice = await createUser(services());
    const [first, second] = [
      bodyOf(await postLogin(alice)).token as string,
      bodyOf(await postLogin(alice)).token as string,
    ];
    const bob = await loggedInUser();
    const clock = { now: Date.now() };
    const decide = authorizerContainer(clock);
    for (const token of [first, second, bob.token]) expect(await decide(token)).toMatchObject({ kind: 'allow' });
    await throughGateway(logout, { method: 'POST', path: `${BASE}/logout`, headers: { 'X-Auth-Token': first } });
    clock.now += WINDOW_MS;
    expect(await decide(first)).toMatchObject({ kind: 'deny' });
    expect(await decide(second)).toMatchObject({ kind: 'allow' });
    expect(await decide(bob.token)).toMatchObject({ kind: 'allow' });
  });
});

describe('sessions in warm authorizer containers', () => {
  it('refuses every token of a session, renewed ones included, within the window of logging out one of them', async () => {
    const user = await loggedInUser();
    const renewed = bodyOf(await check(httpEvent({ headers: { 'x-auth-token': user.token } }), lambdaContext))
      .token as string;
    const clock = { now: Date.now() };
    const decide = authorizerContainer(clock);
    for (const token of [user.token, renewed]) expect(await decide(token)).toMatchObject({ kind: 'allow' });
    await throughGateway(logout, { method: 'POST', path: `${BASE}/logout`, headers: { 'X-Auth-Token': renewed } });
    clock.now += WINDOW_MS;
    for (const token of [user.token, renewed]) expect(await decide(token)).toMatchObject({ kind: 'deny' });
  });
});

describe('revocations racing logins', () => {
  it('leaves a warm container admitting exactly the tokens issued after a revoke-all, once the window has passed', async () => {
    const user = await createUser(services());
    const clock = { now: Date.now() };
    const decide = authorizerContainer(clock);
    // Issued by the token service itself: parallel password logins of one user would be throttled.
    const login = async () => (await services().tokens.issue({ login: user.login, method: 'password' })).token;
    const earlier = await Promise.all(Array.from({ length: 5 }, login));
    for (const token of earlier) expect(await decide(token)).toMatchObject({ kind: 'allow' });

    const [racing] = await Promise.all([
      Promise.all(Array.from({ length: 10 }, login)),
      admin('tokens', 'revoke-all', user.login),
    ]);
    const later = await Promise.all(Array.from({ length: 5 }, login));
    const mark = (await services().tokenStore.revokedBefore(user.login))!;
    // The container sees the racing and later tokens for the first time, then from its cache.
    for (const token of [...racing, ...later]) await decide(token);
    clock.now += WINDOW_MS;
    const outcomes = { allow: 0, deny: 0 };
    for (const token of [...earlier, ...racing, ...later]) {
      const record = (await services().tokenStore.get(decodeJwt(token).jti!))!;
      const expected = record.issuedAtMs >= mark ? 'allow' : 'deny';
      expect(await decide(token)).toMatchObject({ kind: expected });
      outcomes[expected] += 1;
    }
    expect(outcomes.allow).toBeGreaterThanOrEqual(later.length);
    expect(outcomes.deny).toBeGreaterThanOrEqual(earlier.length);
  });
});

describe('a container that cannot read the revocation feed', () => {
  let emulators: Awaited<ReturnType<typeof stoppableEmulators>>;
  beforeAll(async () => {
    emulators = await stoppableEmulators();
    await provisionStack(testConfig(), emulators.endpoints, { playAuthToken: 'revocation-shared-token-0123456789' });
  }, 30_000);
  afterAll(() => ifAssigned(emulators)?.close());

  it('stops admitting cached tokens once the window has passed, and recovers when the table is back', async () => {
    const own = createServices(testConfig(), localClients(emulators.endpoints));
    const { token } = await own.tokens.issue({ login: 'alice', method: 'password' });
    const clock = { now: Date.now() };
    const decide = authorizerContainer(clock, emulators.endpoints);
    expect(await decide(token)).toMatchObject({ kind: 'allow' });

    await emulators.stopDynamo();
    try {
      // Still inside the window: the cache answers and nothing is read.
      clock.now += WINDOW_MS - 1;
      expect(await decide(token)).toMatchObject({ kind: 'allow' });
      // Past it the feed cannot be read: the stale cache is not used, and the record cannot be read either.
      clock.now += 1;
      expect(await decide(token)).toMatchObject({ kind: 'deny', category: 'ServiceUnavailable' });
    } finally {
      await emulators.startDynamo();
    }
    clock.now += WINDOW_MS;
    expect(await decide(token)).toMatchObject({ kind: 'allow' });
  });
});
