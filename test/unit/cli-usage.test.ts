import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { applyKeys, checkPasswordPolicy } from '../../cli/password-input.ts';
import packageJson from '../../package.json' with { type: 'json' };

/**
 * The command line is checked before any store is looked up: these run with no stack, no
 * emulator and no AWS credentials, so anything that reached a store would fail differently.
 */
async function cli(argv: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += String(chunk)));
  stderr.on('data', (chunk) => (err += String(chunk)));
  const code = await run({ argv, stdin: Readable.from(['']), stdout, stderr, env: {}, cwd: '/nonexistent' });
  return { code, stdout: out, stderr: err };
}

describe('xuc-auth command line', () => {
  it('names an unknown command and shows that group’s usage, exit 2', async () => {
    const result = await cli(['users', 'frob']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frob'");
    expect(result.stderr).toContain('Usage: xuc-auth users [options] [command]');
    expect(result.stderr).toContain('disable <login>');
    expect(result.stderr).not.toContain('No local stack');
    expect((await cli(['nothing'])).stderr).toContain("unknown command 'nothing'");
  });

  it.each([
    [['users', 'add', 'x', '--profile', 'a', '--password', 'on-the-command-line'], "unknown option '--password'"],
    [['users', 'list', '--profile', 'agent'], "unknown option '--profile'"],
    [['users', 'add', 'x'], "required option '--profile <profile>' not specified"],
    [['users', 'show'], "missing required argument 'login'"],
    [['users', 'import'], "missing required argument 'file'"],
    [['users', 'import', 'users.csv', '--password', 'x'], "unknown option '--password'"],
    [['users', 'export', 'extra'], 'too many arguments'],
    [['users', 'import', 'users.csv', '--jobs', '0'], 'a whole number of at least 1'],
    [['tokens', 'list', 'a', 'b'], 'too many arguments'],
    [['tokens', 'revoke'], "missing required argument 'token-id'"],
    [['secrets', 'rotate', 'everything'], 'Allowed choices are signing-key, play-auth-token'],
    [
      ['users', 'add', 'x', '--profile', 'a', '--password-stdin', '--no-password'],
      '--password-stdin and --no-password exclude each other',
    ],
    [['users'], 'Usage: xuc-auth users'],
  ])('refuses %j before looking anything up: %s, exit 2', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: xuc-auth');
    expect(result.stdout).toBe('');
  });

  it('prints its version', async () => {
    for (const flag of ['--version', '-V'])
      expect(await cli([flag])).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
  });

  it.each([
    [[], 'Usage: xuc-auth [options] [command]'],
    ['users'.split(' '), 'Usage: xuc-auth users [options] [command]'],
    ['users add'.split(' '), 'Usage: xuc-auth users add [options] <login>'],
    ['users list'.split(' '), 'Usage: xuc-auth users list'],
    ['users show'.split(' '), 'Usage: xuc-auth users show [options] <login>'],
    ['users disable'.split(' '), 'Usage: xuc-auth users disable [options] <login>'],
    ['users enable'.split(' '), 'Usage: xuc-auth users enable [options] <login>'],
    ['users remove'.split(' '), 'Usage: xuc-auth users remove [options] <login>'],
    ['users passwd'.split(' '), 'Usage: xuc-auth users passwd [options] <login>'],
    ['users unbind-oidc'.split(' '), 'Usage: xuc-auth users unbind-oidc [options] <login>'],
    ['users import'.split(' '), 'Usage: xuc-auth users import [options] <file>'],
    ['users export'.split(' '), 'Usage: xuc-auth users export [options]'],
    ['tokens list'.split(' '), 'Usage: xuc-auth tokens list [options] [login]'],
    ['tokens revoke'.split(' '), 'Usage: xuc-auth tokens revoke [options] <token-id>'],
    ['tokens revoke-all'.split(' '), 'Usage: xuc-auth tokens revoke-all [options] <login>'],
    ['secrets rotate'.split(' '), 'Usage: xuc-auth secrets rotate [options] <secret>'],
  ])('explains %j with --help, exit 0', async (argv, usage) => {
    const result = await cli([...argv, '--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(usage);
  });

  it('says "no local stack found" as a failure (exit 1), not as misuse', async () => {
    const result = await cli(['users', 'list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'Error: No local stack found: start it with `npm start`, or name a deployed stage with --stage <stage>.\n',
    );
  });
});

describe('typing a password on the terminal', () => {
  it.each([
    ['plain text and Enter', 'secret\r', 'secret', 'enter'],
    ['Ctrl-D ends it, as at a shell prompt', 'secret\u0004', 'secret', 'enter'],
    ['Backspace removes a character', 'secreet\u007f\u007ft\r', 'secret', 'enter'],
    ['Ctrl-U starts again', 'wrong\u0015secret\r', 'secret', 'enter'],
    ['arrow and function keys are ignored', 'sec\u001b[D\u001b[Cret\u001bOP\u001b[15~\r', 'secret', 'enter'],
    ['other control characters are ignored', 'se\u0001cr\u0007et\ttab\r', 'secrettab', 'enter'],
    ['Ctrl-C cancels', 'secret\u0003', 'secret', 'cancel'],
    ['no Enter yet', 'sec', 'sec', undefined],
  ])('%s', (_, keys, value, done) => {
    expect(applyKeys('', keys)).toEqual({ value, ...(done ? { done } : {}) });
  });

  it('holds a password to 12 to 1024 characters, counted as characters', () => {
    expect(() => checkPasswordPolicy('elevenchars')).toThrow('A password has 12 to 1024 characters');
    expect(() => checkPasswordPolicy('twelve chars')).not.toThrow();
    expect(() => checkPasswordPolicy('🔑'.repeat(12))).not.toThrow();
    expect(() => checkPasswordPolicy('x'.repeat(1025))).toThrow();
  });
});
