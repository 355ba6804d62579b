import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/login/handler.ts';
import { services } from '../../shared/services.ts';
import { passwordLogin } from '../../shared/auth/password-login.ts';
import { hashPassword, passwordPolicy, scryptHasher, type PasswordHasher } from '../../shared/users/passwords.ts';
import { bodyOf, createUser, httpEvent, lambdaContext, postLogin, uniqueLogin } from '../support/fixtures.ts';

const login = postLogin;

const tokensOf = async (name: string) => services().tokenStore.listByLogin(name);

describe('POST /auth/login', () => {
  it('trades a login and password for {login, token, TTL} and records the token', async () => {
    const user = await createUser(services());
    const result = await login({ ...user, softwareType: 'webBrowser', applicationType: 'ccagent', expiration: 600 });
    expect(result.statusCode).toBe(200);
    const body = bodyOf(result);
    expect(body).toEqual({ login: user.login, token: expect.any(String), TTL: 600 });
    expect(result.headers?.['cache-control']).toBe('no-store');
    const record = await services().tokens.verify(body.token as string);
    expect(record).toMatchObject({
      login: user.login,
      method: 'password',
      softwareType: 'webBrowser',
      applicationType: 'ccagent',
    });
  });

  it('issues a distinct token at every login', async () => {
    const user = await createUser(services());
    const tokens = await Promise.all([login(user), login(user), login(user)]);
    expect(new Set(tokens.map((r) => bodyOf(r).token)).size).toBe(3);
    expect(await tokensOf(user.login)).toHaveLength(3);
  });

  describe('refuses every bad credential with one and the same answer, and records nothing', () => {
    const cases: [string, () => Promise<{ login: string; password: string }>][] = [
      ['unknown login', () => Promise.resolve({ login: uniqueLogin(), password: 'whatever' })],
      ['wrong password', async () => ({ ...(await createUser(services())), password: 'wrong' })],
      [
        'disabled user',
        async () => {
          const user = await createUser(services());
          await services().users.setDisabled(user.login, true, new Date());
          return user;
        },
      ],
      ['CTI login off', async () => createUser(services(), { ctiLoginEnabled: false })],
      [
        'no profile',
        async () => {
          const user = await createUser(services());
          const stored = await services().users.get(user.login);
          await services().users.remove(user.login);
          await services().users.create({ ...stored!, profile: '' });
          return user;
        },
      ],
      [
        'no password',
        async () => ({ ...(await createUser(services(), { password: undefined })), password: 'anything' }),
      ],
    ];
    it.each(cases)('%s', async (_, arrange) => {
      const credentials = await arrange();
      const result = await login(credentials);
      expect(result.statusCode).toBe(401);
      expect(bodyOf(result)).toEqual({ error: 'InvalidCredentials', message: 'Invalid username or password' });
      expect(await tokensOf(credentials.login)).toEqual([]);
    });

    const olderHash: (typeof cases)[number] = [
      'wrong password against a hash of older, cheaper parameters',
      async () => {
        const user = await createUser(services(), { password: undefined });
        const stored = await services().users.get(user.login);
        await services().users.remove(user.login);
        await services().users.create({ ...stored!, passwordHash: await hashPassword('right', passwordPolicy(4)) });
        return { login: user.login, password: 'wrong' };
      },
    ];

    it.each([...cases, olderHash])(
      '%s costs exactly one scrypt derivation under the current policy',
      async (_, arrange) => {
        const credentials = await arrange();
        // The real scrypt, with each derivation's cost (log2 N) noted.
        const costs: number[] = [];
        const passwordHasher: PasswordHasher = {
          hash: (password, params) => (costs.push(params.logN), scryptHasher.hash(password, params)),
          verify: (password, encoded) => (
            costs.push(Number(/ln=(\d+)/.exec(encoded)?.[1])),
            scryptHasher.verify(password, encoded)
          ),
        };
        await expect(passwordLogin({ ...services(), passwordHasher }, credentials)).rejects.toMatchObject({
          code: 'InvalidCredentials',
        });
        expect(costs.filter((logN) => logN === services().passwordPolicy.logN)).toHaveLength(1);
      },
    );
  });

  describe('refuses malformed requests with 400', () => {
    it.each([
      ['malformed JSON', '{"login":"a",', 'InvalidJson'],
      ['a JSON array', '[]', 'InvalidJson'],
      ['a missing password', { login: 'a' }, 'InvalidJson'],
      ['a missing login', { password: 'a' }, 'InvalidJson'],
      ['a numeric login', { login: 12, password: 'a' }, 'InvalidJson'],
      ['an object password', { login: 'a', password: { $ne: 1 } }, 'InvalidJson'],
      ['a string expiration', { login: 'a', password: 'b', expiration: '60' }, 'InvalidJson'],
      ['a negative expiration', { login: 'a', password: 'b', expiration: -1 }, 'InvalidJson'],
      ['a body over 20 KB', { login: 'a', password: 'x'.repeat(21_000) }, 'InvalidRequest'],
    ])('%s', async (_, body, code) => {
      const result = await login(body);
      expect(result.statusCode).toBe(400);
      expect(bodyOf(result).error).toBe(code);
    });

    it('non-UTF-8 bytes', async () => {
      const bytes = Buffer.concat([
        Buffer.from('{"login":"'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('","password":"x"}'),
      ]);
      const result = await login('', { body: bytes.toString('base64'), isBase64Encoded: true });
      expect(result.statusCode).toBe(400);
      expect(bodyOf(result)).toEqual({ error: 'InvalidJson', message: 'Request body is not valid UTF-8' });
    });

    it('no body at all', async () => {
      const result = await handler(httpEvent({ method: 'POST', path: '/xuc/api/2.0/auth/login' }), lambdaContext);
      expect(result.statusCode).toBe(400);
      expect(bodyOf(result).error).toBe('InvalidJson');
    });
  });

  it('upgrades a hash made under older parameters at the next successful login', async () => {
    const user = await createUser(services());
    const stored = await services().users.get(user.login);
    const weak = await hashPassword(user.password, passwordPolicy(9));
    await services().users.replacePasswordHash(user.login, stored!.passwordHash!, weak, new Date());

    expect((await login(user)).statusCode).toBe(200);
    const upgraded = (await services().users.get(user.login))!.passwordHash!;
    expect(upgraded.startsWith(`$scrypt$ln=${services().passwordPolicy.logN},r=8,p=1$`)).toBe(true);
    expect((await login(user)).statusCode).toBe(200);
  });
});
