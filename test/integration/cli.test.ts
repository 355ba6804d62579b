import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { services } from '../../shared/services.ts';
import { testServices, uniqueLogin } from '../support/fixtures.ts';
import { createSecret } from '../support/secrets.ts';

/** Runs the CLI in process against the run's emulators (found through AWS_ENDPOINT_URL_*). */
const cli = (argv: string[], stdin = '') => cliWith(process.env, argv, stdin);

async function cliWith(env: Record<string, string | undefined>, argv: string[], stdin = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  const code = await run({ argv, stdin: Readable.from([stdin]), stdout, stderr, env, cwd: process.cwd() });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const login = async (name: string, password: string) => {
  const { passwordLogin } = await import('../../shared/auth/password-login.ts');
  return passwordLogin(services(), { login: name, password });
};

describe('xuc-auth CLI', () => {
  it('adds a user with a password from standard input, who can then log in', async () => {
    const name = uniqueLogin('cli');
    const added = await cli(['users', 'add', name, '--profile', 'agent', '--password-stdin'], 'pw-from-stdin\n');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toContain(`Added user ${name}`);
    expect(added.stdout).not.toContain('pw-from-stdin');
    await expect(login(name, 'pw-from-stdin')).resolves.toMatchObject({ record: { login: name } });
  });

  it('adds a user without CTI login, who cannot log in', async () => {
    const name = uniqueLogin('cli');
    expect(
      (await cli(['users', 'add', name, '--profile', 'agent', '--no-cti-login', '--password-stdin'], 'pw-0123456789'))
        .code,
    ).toBe(0);
    await expect(login(name, 'pw-0123456789')).rejects.toMatchObject({ code: 'InvalidCredentials' });
  });

  it('shows and lists users as text or JSON, never with the password hash', async () => {
    const name = uniqueLogin('cli');
    await cli(['users', 'add', name, '--profile', 'supervisor', '--password-stdin'], 'pw-0123456789');
    const shown = await cli(['--json', 'users', 'show', name]);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      login: name,
      profile: 'supervisor',
      ctiLoginEnabled: true,
      disabled: false,
      hasPassword: true,
    });
    const listed = await cli(['users', 'list']);
    expect(listed.stdout).toMatch(new RegExp(`^${name}\\s+supervisor\\s+true\\s+false\\s+true$`, 'm'));
    expect(listed.stdout + shown.stdout).not.toContain('$scrypt$');
  });

  it('disables a user and revokes their live tokens; enable lets them back in', async () => {
    const name = uniqueLogin('cli');
    await cli(['users', 'add', name, '--profile', 'agent', '--password-stdin'], 'pw-0123456789');
    const issued = await login(name, 'pw-0123456789');
    const disabled = await cli(['users', 'disable', name]);
    expect(disabled).toMatchObject({ code: 0 });
    expect(disabled.stdout).toContain('1 live token(s) revoked');
    await expect(services().tokens.verify(issued.token)).rejects.toMatchObject({ code: 'InvalidToken' });
    await expect(login(name, 'pw-0123456789')).rejects.toMatchObject({ code: 'InvalidCredentials' });
    expect((await cli(['users', 'enable', name])).code).toBe(0);
    await expect(login(name, 'pw-0123456789')).resolves.toBeDefined();
  });

  it('removes a user', async () => {
    const name = uniqueLogin('cli');
    await cli(['users', 'add', name, '--profile', 'agent', '--password-stdin'], 'pw-0123456789');
    expect((await cli(['users', 'remove', name])).code).toBe(0);
    expect(await services().users.get(name)).toBeUndefined();
    const again = await cli(['users', 'remove', name]);
    expect(again).toMatchObject({ code: 1, stderr: `Error: No user ${name}\n` });
  });

  it('refuses an empty password, and asks for --password-stdin when there is no terminal', async () => {
    const empty = await cli(['users', 'add', uniqueLogin('cli'), '--profile', 'a', '--password-stdin'], '\n');
    expect(empty).toMatchObject({ code: 1, stderr: 'Error: The password is empty\n' });
    const noTerminal = await cli(['users', 'add', uniqueLogin('cli'), '--profile', 'a']);
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.stderr).toContain('--password-stdin');
  });

  it('holds new passwords to the length policy', async () => {
    for (const password of ['short', 'x'.repeat(1025)]) {
      const refused = await cli(['users', 'add', uniqueLogin('cli'), '--profile', 'a', '--password-stdin'], password);
      expect(refused).toMatchObject({ code: 1, stderr: 'Error: A password has 12 to 1024 characters\n' });
    }
  });

  it('refuses --password-stdin on a terminal, where the password would be echoed, before anything is looked up', async () => {
    const terminal = Object.assign(Readable.from(['typed-on-screen\n']), { isTTY: true });
    const [stdout, stderr] = [new PassThrough(), new PassThrough()];
    let text = '';
    stderr.on('data', (chunk) => (text += String(chunk)));
    const code = await run({
      argv: ['users', 'passwd', 'alice', '--password-stdin'],
      stdin: terminal,
      stdout,
      stderr,
      env: {},
      cwd: '/nonexistent',
    });
    expect(code).toBe(2);
    expect(text).toContain('--password-stdin reads a pipe or a file');
  });

  it('changes a password with users passwd: the old one is refused, the new one works, and every session ends', async () => {
    const name = uniqueLogin('cli');
    await cli(['users', 'add', name, '--profile', 'agent', '--password-stdin'], 'old-password-0123');
    const before = await login(name, 'old-password-0123');
    const changed = await cli(['users', 'passwd', name, '--password-stdin'], 'new-password-4567\n');
    expect(changed).toMatchObject({ code: 0, stderr: '' });
    expect(changed.stdout).toContain(`Password of ${name} changed, 1 live token(s) revoked`);
    expect(changed.stdout).not.toContain('new-password-4567');
    await expect(services().tokens.verify(before.token)).rejects.toMatchObject({ code: 'InvalidToken' });
    await expect(login(name, 'old-password-0123')).rejects.toMatchObject({ code: 'InvalidCredentials' });
    await expect(login(name, 'new-password-4567')).resolves.toMatchObject({ record: { login: name } });
    expect(
      await cli(['users', 'passwd', uniqueLogin('nobody'), '--password-stdin'], 'new-password-4567'),
    ).toMatchObject({ code: 1 });
  });
});

describe('xuc-auth CLI: tokens and secrets', () => {
  it('lists live tokens (never their values), revokes one, then all of a login', async () => {
    const name = uniqueLogin('cli');
    await cli(['users', 'add', name, '--profile', 'agent', '--password-stdin'], 'pw-0123456789');
    const [first, second, third] = [
      await login(name, 'pw-0123456789'),
      await login(name, 'pw-0123456789'),
      await login(name, 'pw-0123456789'),
    ];
    const listed = await cli(['--json', 'tokens', 'list', name]);
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((t) => t.id).sort()).toEqual(
      [first.record.tokenId, second.record.tokenId, third.record.tokenId].sort(),
    );
    expect(listed.stdout).not.toContain(first.token);
    expect((await cli(['tokens', 'list'])).stdout).toContain(first.record.tokenId);

    expect((await cli(['tokens', 'revoke', first.record.tokenId])).code).toBe(0);
    await expect(services().tokens.verify(first.token)).rejects.toMatchObject({ code: 'InvalidToken' });
    await expect(services().tokens.verify(second.token)).resolves.toBeDefined();
    expect((await cli(['tokens', 'revoke', 'no-such-token'])).code).toBe(1);

    const all = await cli(['tokens', 'revoke-all', name]);
    expect(all.stdout).toContain(`2 live token(s) of ${name} revoked`);
    for (const issued of [second, third])
      await expect(services().tokens.verify(issued.token)).rejects.toMatchObject({ code: 'InvalidToken' });
    expect(JSON.parse((await cli(['--json', 'tokens', 'list', name])).stdout)).toEqual([]);
  });

  it('rotates the signing key: tokens of the previous key stay valid until the next rotation', async () => {
    const secretId = await createSecret('initial-signing-key-0123456789-0123456789');
    const env = { ...process.env, SIGNING_KEY_SECRET_ID: secretId };
    const keys = testServices({ config: { signingKeySecretId: secretId, secretsCacheTtlSeconds: 0 } });
    const before = await keys.tokens.issue({ login: uniqueLogin(), method: 'password' });

    // The secret was created a moment ago: rotating it now needs --force (see the next test).
    const rotated = await cliWith(env, ['--json', 'secrets', 'rotate', 'signing-key', '--force']);
    expect(rotated.code).toBe(0);
    const { versionId, playAuthToken } = JSON.parse(rotated.stdout) as { versionId: string; playAuthToken?: string };
    expect(playAuthToken).toBeUndefined();
    const after = await keys.tokens.issue({ login: uniqueLogin(), method: 'password' });
    expect((await keys.signingKeys.current()).kid).toBe(versionId);
    await expect(keys.tokens.verify(before.token)).resolves.toBeDefined();
    await expect(keys.tokens.verify(after.token)).resolves.toBeDefined();

    expect((await cliWith(env, ['secrets', 'rotate', 'signing-key', '--force'])).code).toBe(0);
    await expect(keys.tokens.verify(before.token)).rejects.toMatchObject({ code: 'InvalidToken' });
    await expect(keys.tokens.verify(after.token)).resolves.toBeDefined();
  });

  it('refuses a second rotation within SECRETS_CACHE_TTL + TOKEN_MAX_TTL, which would drop a key still in use, unless --force', async () => {
    const secretId = await createSecret('initial-signing-key-0123456789-0123456789');
    const env = { ...process.env, SIGNING_KEY_SECRET_ID: secretId };
    const refused = await cliWith(env, ['secrets', 'rotate', 'signing-key']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the current version is too recent: .*wait \d+ s, or pass --force/);
    const keys = testServices({ config: { signingKeySecretId: secretId, secretsCacheTtlSeconds: 0 } });
    expect((await keys.signingKeys.current()).kid).toBeDefined();
    // Nothing was rotated.
    const { kid } = await keys.signingKeys.current();
    expect((await cliWith(env, ['secrets', 'rotate', 'signing-key'])).code).toBe(1);
    expect((await keys.signingKeys.current()).kid).toBe(kid);
  });

  it('drops the previous version at once with --drop-previous, for a key that leaked', async () => {
    const secretId = await createSecret('initial-signing-key-0123456789-0123456789');
    const env = { ...process.env, SIGNING_KEY_SECRET_ID: secretId };
    const keys = testServices({ config: { signingKeySecretId: secretId, secretsCacheTtlSeconds: 0 } });
    const leaked = await keys.tokens.issue({ login: uniqueLogin(), method: 'password' });
    const rotated = await cliWith(env, ['--json', 'secrets', 'rotate', 'signing-key', '--force', '--drop-previous']);
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ previousDropped: true });
    await expect(keys.tokens.verify(leaked.token)).rejects.toMatchObject({ code: 'InvalidToken' });
    const fresh = await keys.tokens.issue({ login: uniqueLogin(), method: 'password' });
    await expect(keys.tokens.verify(fresh.token)).resolves.toBeDefined();
  });

  it('rotates the shared token, showing the new value once; the previous one stays accepted', async () => {
    const secretId = await createSecret('initial-shared-token-0123456789');
    const rotated = await cliWith({ ...process.env, PLAY_AUTH_TOKEN_SECRET_ID: secretId }, [
      'secrets',
      'rotate',
      'play-auth-token',
      '--force',
    ]);
    const value = /New shared token \(configure it as PLAY_AUTH_TOKEN everywhere\): (\S+)/.exec(rotated.stdout)?.[1];
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const shared = testServices({ config: { playAuthTokenSecretId: secretId, secretsCacheTtlSeconds: 0 } }).sharedToken;
    expect(await shared.matches(value!)).toBe(true);
    expect(await shared.matches('initial-shared-token-0123456789')).toBe(true);
    expect((await cli(['secrets', 'rotate', 'everything'])).code).toBe(2);
  });
});
