import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { handler as authorizer } from '../../functions/authorizer/handler.ts';
import { handler as check } from '../../functions/check/handler.ts';
import { handler as logout } from '../../functions/logout/handler.ts';
import { services } from '../../shared/services.ts';
import { authorizerEvent, bodyOf, createUser, httpEvent, lambdaContext, postLogin } from '../support/fixtures.ts';
import { throughGateway } from '../support/gateway.ts';

const captured: string[] = [];
const writers = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};

beforeAll(() => {
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream);
    stream.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      captured.push(String(chunk));
      return original(chunk, ...(rest as []));
    };
  }
});

afterAll(() => {
  process.stdout.write = writers.stdout;
  process.stderr.write = writers.stderr;
});

describe('logs', () => {
  it('carry one audit event per exchange and per denial, and never a password, a token, the shared token or the signing key', async () => {
    const user = await createUser(services());
    const post = (body: string) => postLogin(body);

    const ok = bodyOf(await post(JSON.stringify(user)));
    const token = ok.token as string;
    await post(JSON.stringify({ ...user, password: `${user.password}-wrong` }));
    await post(`{"login":"${user.login}","password":"${user.password}"`); // malformed JSON quoting the password
    const renewed = bodyOf(await check(httpEvent({ headers: { 'x-auth-token': token } }), lambdaContext))
      .token as string;
    await check(httpEvent({ headers: { 'x-auth-token': `${token}x` } }), lambdaContext);
    await authorizer(authorizerEvent({ headers: { authorization: `Bearer ${token}` } }));
    await authorizer(authorizerEvent({ headers: { 'x-auth-token': token.slice(0, -2) } }));
    await authorizer(authorizerEvent({ path: '/configmgt/x', query: { token } }));
    await authorizer(authorizerEvent({ query: { token: inject('playAuthToken') } }));
    await throughGateway(logout, {
      method: 'POST',
      path: '/xuc/api/2.0/auth/logout',
      headers: { 'x-auth-token': token },
    });
    await authorizer(authorizerEvent({ headers: { 'x-auth-token': token } }));

    const logs = captured.join('');
    const events = logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const exchanges = events.filter((event) => event.audit === 'exchange');
    expect(exchanges).toContainEqual(
      expect.objectContaining({
        method: 'password',
        outcome: 'success',
        login: user.login,
        tokenId: expect.any(String),
        source: '127.0.0.1',
      }),
    );
    expect(exchanges).toContainEqual(
      expect.objectContaining({
        method: 'password',
        outcome: 'failure',
        error: 'InvalidCredentials',
        reason: 'wrong password',
        source: '127.0.0.1',
      }),
    );
    expect(exchanges).toContainEqual(
      expect.objectContaining({ method: 'renewal', outcome: 'failure', error: 'InvalidToken' }),
    );
    // One line per refused exchange: the audit event, not also a generic one.
    expect(events.filter((event) => event.error === 'InvalidCredentials')).toHaveLength(1);
    expect(events).toContainEqual(
      expect.objectContaining({
        audit: 'authorizer',
        outcome: 'deny',
        reason: expect.stringContaining('revoked'),
        source: '127.0.0.1',
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ audit: 'authorizer', outcome: 'deny', reason: 'route admits only the shared token' }),
    );
    expect(logs).toContain('"level"');
    expect(logs).toContain('authorizer denied');
    const signingKey = await services().secrets.send(
      new GetSecretValueCommand({ SecretId: services().config.signingKeySecretId }),
    );
    const secrets = [
      user.password,
      token,
      renewed,
      token.split('.')[2] ?? '',
      inject('playAuthToken'),
      signingKey.SecretString ?? '',
    ];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(logs).not.toContain(secret);
    }
  });
});
