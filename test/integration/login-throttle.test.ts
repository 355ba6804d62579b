import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { passwordLogin } from '../../shared/auth/password-login.ts';
import type { ThrottlePolicy } from '../../shared/auth/lockout.ts';
import { XucError } from '../../shared/errors.ts';
import { bodyOf, createUser, postLogin, testConfig, testServices, uniqueLogin } from '../support/fixtures.ts';

const POLICY: ThrottlePolicy = {
  loginMaxFailures: 5,
  accountMaxFailures: 1000,
  sourceMaxFailures: 1000,
  windowSeconds: 900,
  backoffBaseSeconds: 15,
  backoffMaxSeconds: 900,
};

function clockedServices(policy: Partial<ThrottlePolicy> = {}) {
  const clock = { now: Date.UTC(2026, 10, 28, 12, 0, 0) };
  const services = testServices({ now: () => clock.now, config: { throttle: { ...POLICY, ...policy } } });
  return { clock, services };
}

async function attempt(
  services: ReturnType<typeof testServices>,
  login: string,
  password: string,
  source = '192.0.2.1',
) {
  try {
    await passwordLogin(services, { login, password, source });
    return 'ok';
  } catch (error) {
    if (!(error instanceof XucError)) throw error;
    return error.code === 'TooManyAttempts' ? `429 retry-after ${error.headers['retry-after']}` : error.code;
  }
}

describe('brute-force protection of the password login', () => {
  it('locks a login after the limit, even for the right password, and says when to retry', async () => {
    const { clock, services } = clockedServices();
    const user = await createUser(services);
    for (let i = 0; i < 5; i++) expect(await attempt(services, user.login, 'wrong')).toBe('InvalidCredentials');
    expect(await attempt(services, user.login, user.password)).toBe('429 retry-after 15');
    clock.now += 10_000;
    expect(await attempt(services, user.login, user.password)).toBe('429 retry-after 5');
    clock.now += 5_000;
    expect(await attempt(services, user.login, user.password)).toBe('ok');
  });

  it("locks a login from one source only: a stranger's guesses do not lock the owner out", async () => {
    const { services } = clockedServices();
    const user = await createUser(services);
    for (let i = 0; i < 5; i++)
      expect(await attempt(services, user.login, 'wrong', '203.0.113.66')).toBe('InvalidCredentials');
    expect(await attempt(services, user.login, user.password, '203.0.113.66')).toBe('429 retry-after 15');
    expect(await attempt(services, user.login, user.password, '203.0.113.10')).toBe('ok');
  });

  it('locks a login for every source past its much higher ceiling of failures from anywhere', async () => {
    const { services } = clockedServices({ accountMaxFailures: 12 });
    const user = await createUser(services);
    for (let i = 0; i < 12; i++) {
      expect(await attempt(services, user.login, 'wrong', `2001:db8:${i}::1`)).toBe('InvalidCredentials');
    }
    expect(await attempt(services, user.login, user.password, '203.0.113.10')).toBe('429 retry-after 15');
  });

  it('counts an IPv6 network by its /64', async () => {
    const { services } = clockedServices();
    const user = await createUser(services);
    for (let i = 1; i <= 5; i++) {
      expect(await attempt(services, user.login, 'wrong', `2001:db8:aa:bb::${i}`)).toBe('InvalidCredentials');
    }
    expect(await attempt(services, user.login, user.password, '2001:db8:aa:bb:ffff:1:2:3')).toBe('429 retry-after 15');
    expect(await attempt(services, user.login, user.password, '2001:db8:aa:cc::1')).toBe('ok');
  });

  it('doubles the back-off with every further failure, up to the maximum', async () => {
    const { clock, services } = clockedServices({ backoffMaxSeconds: 50 });
    const user = await createUser(services);
    for (let i = 0; i < 5; i++) await attempt(services, user.login, 'wrong');
    const waits: string[] = [];
    for (const wait of [15, 30, 50, 50]) {
      clock.now += wait * 1000;
      expect(await attempt(services, user.login, 'wrong')).toBe('InvalidCredentials');
      waits.push(await attempt(services, user.login, user.password));
    }
    expect(waits).toEqual(['429 retry-after 30', '429 retry-after 50', '429 retry-after 50', '429 retry-after 50']);
  });

  it('clears the count of a login at its next success', async () => {
    const { services } = clockedServices();
    const user = await createUser(services);
    for (let i = 0; i < 4; i++) await attempt(services, user.login, 'wrong');
    expect(await attempt(services, user.login, user.password)).toBe('ok');
    for (let i = 0; i < 4; i++) expect(await attempt(services, user.login, 'wrong')).toBe('InvalidCredentials');
    expect(await attempt(services, user.login, user.password)).toBe('ok');
  });

  it('treats unknown logins exactly like known ones', async () => {
    const { services } = clockedServices();
    const known = await createUser(services);
    const unknown = uniqueLogin('ghost');
    for (let i = 0; i < 5; i++) {
      expect(await attempt(services, known.login, 'wrong')).toBe(await attempt(services, unknown, 'wrong'));
    }
    expect(await attempt(services, unknown, 'wrong')).toBe('429 retry-after 15');
    expect(await attempt(services, known.login, 'wrong')).toBe('429 retry-after 15');
  });

  it('locks a source address that fails across many logins, and only that address', async () => {
    const { services } = clockedServices({ sourceMaxFailures: 3 });
    const user = await createUser(services);
    const source = `198.51.100.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 3; i++)
      expect(await attempt(services, uniqueLogin(), 'wrong', source)).toBe('InvalidCredentials');
    expect(await attempt(services, user.login, user.password, source)).toBe('429 retry-after 15');
    expect(await attempt(services, user.login, user.password, '203.0.113.9')).toBe('ok');
  });

  it('does not reset at a window boundary', async () => {
    const { clock, services } = clockedServices({ windowSeconds: 60 });
    const user = await createUser(services);
    clock.now = Math.ceil(clock.now / 60_000) * 60_000 - 1000; // one second before a window ends
    for (let i = 0; i < 5; i++) await attempt(services, user.login, 'wrong');
    clock.now += 2000;
    expect(await attempt(services, user.login, user.password)).toMatch(/^429/);
  });

  it("clears the login's failures of the previous window too at its next success", async () => {
    const { clock, services } = clockedServices({ windowSeconds: 60 });
    const user = await createUser(services);
    clock.now = Math.ceil(clock.now / 60_000) * 60_000 - 1000;
    for (let i = 0; i < 4; i++) await attempt(services, user.login, 'wrong');
    clock.now += 2000;
    expect(await attempt(services, user.login, user.password)).toBe('ok');
    for (let i = 0; i < 4; i++) expect(await attempt(services, user.login, 'wrong')).toBe('InvalidCredentials');
    expect(await attempt(services, user.login, user.password)).toBe('ok');
  });

  it('keeps a counter two windows and the longest back-off, and logs how long a lock lasts', async () => {
    const { clock, services } = clockedServices();
    const login = uniqueLogin('ttl');
    for (let i = 0; i < 5; i++) await attempt(services, login, 'wrong');
    const window = Math.floor(clock.now / 1000 / 900);
    const item = await services.db.send(
      new GetCommand({ TableName: testConfig().attemptsTable, Key: { key: `login#${window}#${login}` } }),
    );
    expect(item.Item?.expiresAt).toBe(Math.ceil(clock.now / 1000) + 2 * 900 + 900);
    const error = await passwordLogin(services, { login, password: 'wrong', source: '192.0.2.1' }).catch(
      (e: unknown) => e,
    );
    expect((error as XucError).cause).toEqual(new Error('locked out for 15 s'));
  });

  it("keeps counting a source's failures, of this window and the previous one, after a success from it", async () => {
    const { clock, services } = clockedServices({ windowSeconds: 60, sourceMaxFailures: 6 });
    const user = await createUser(services);
    const source = '198.51.100.9';
    clock.now = Math.ceil(clock.now / 60_000) * 60_000 - 1000;
    for (let i = 0; i < 3; i++) await attempt(services, uniqueLogin('other'), 'wrong', source);
    clock.now += 2000;
    for (let i = 0; i < 2; i++) await attempt(services, uniqueLogin('other'), 'wrong', source);
    expect(await attempt(services, user.login, user.password, source)).toBe('ok');
    expect(await attempt(services, uniqueLogin('other'), 'wrong', source)).toBe('InvalidCredentials');
    expect(await attempt(services, user.login, user.password, source)).toMatch(/^429/);
  });

  it('counts no source for attempts that name none', async () => {
    const { services } = clockedServices({ sourceMaxFailures: 2 });
    const user = await createUser(services);
    for (let i = 0; i < 3; i++)
      await passwordLogin(services, { login: uniqueLogin('other'), password: 'wrong' }).catch(() => undefined);
    expect((await passwordLogin(services, { login: user.login, password: user.password })).record.login).toBe(
      user.login,
    );
  });

  it('never loses a failure under concurrency', async () => {
    const { clock, services } = clockedServices({ loginMaxFailures: 1000 });
    const login = uniqueLogin('race');
    await Promise.all(Array.from({ length: 60 }, () => attempt(services, login, 'wrong')));
    const window = Math.floor(clock.now / 1000 / 900);
    const item = await services.db.send(
      new GetCommand({ TableName: testConfig().attemptsTable, Key: { key: `login#${window}#${login}` } }),
    );
    expect(item.Item?.failures).toBe(60);
    expect(item.Item?.pending).toBe(0);
  });

  it('gives a burst of parallel guesses no more tries than sequential ones', async () => {
    const { clock, services } = clockedServices();
    const user = await createUser(services);
    const outcomes = await Promise.all(Array.from({ length: 30 }, () => attempt(services, user.login, 'wrong')));
    const guesses = outcomes.filter((outcome) => outcome === 'InvalidCredentials').length;
    expect(guesses).toBeGreaterThanOrEqual(1);
    expect(guesses).toBeLessThanOrEqual(POLICY.loginMaxFailures);
    expect(outcomes.filter((outcome) => outcome.startsWith('429')).length).toBe(30 - guesses);
    const window = Math.floor(clock.now / 1000 / 900);
    const item = await services.db.send(
      new GetCommand({ TableName: testConfig().attemptsTable, Key: { key: `login#${window}#${user.login}` } }),
    );
    expect(item.Item).toMatchObject({ failures: guesses, pending: 0 });
  });

  it('counts an attempt that a failed dependency cut short for nothing', async () => {
    const { clock, services } = clockedServices();
    const broken = testServices({ now: () => clock.now, config: { throttle: POLICY, usersTable: 'no-such-table' } });
    const login = uniqueLogin('cut');
    for (let i = 0; i < 10; i++) expect(await attempt(broken, login, 'wrong')).toBe('ServiceUnavailable');
    const window = Math.floor(clock.now / 1000 / 900);
    const item = await services.db.send(
      new GetCommand({ TableName: testConfig().attemptsTable, Key: { key: `login#${window}#${login}` } }),
    );
    expect(item.Item?.pending).toBe(0);
    expect(item.Item?.failures).toBeUndefined();
  });

  it('counts a failure against the address API Gateway saw, never one a client claims in X-Forwarded-For', async () => {
    const user = await createUser(testServices());
    const seen = `198.51.100.${Math.floor(Math.random() * 250)}`;
    const claimed = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const refused = await postLogin(
      { login: user.login, password: 'wrong' },
      { sourceIp: seen, headers: { 'x-forwarded-for': claimed } },
    );
    expect(refused.statusCode).toBe(401);
    const window = Math.floor(Date.now() / 1000 / testConfig().throttle.windowSeconds);
    const counter = (address: string) =>
      testServices().db.send(
        new GetCommand({ TableName: testConfig().attemptsTable, Key: { key: `source#${window}#${address}` } }),
      );
    expect((await counter(seen)).Item?.failures).toBe(1);
    expect((await counter(claimed)).Item).toBeUndefined();
  });

  it('answers 429 TooManyAttempts with Retry-After through the function', async () => {
    const user = await createUser(testServices());
    const post = (password: string) => postLogin({ login: user.login, password });
    for (let i = 0; i < 5; i++) expect((await post('wrong')).statusCode).toBe(401);
    const locked = await post(user.password);
    expect(locked.statusCode).toBe(429);
    expect(locked.headers?.['retry-after']).toMatch(/^\d+$/);
    expect(bodyOf(locked)).toEqual({ error: 'TooManyAttempts', message: 'Too many attempts, retry later' });
  });
});
