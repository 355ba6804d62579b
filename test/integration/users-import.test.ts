import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, inject, it } from 'vitest';
import { run } from '../../cli/main.ts';
import { localClients, provisionStack } from '../../infra/local/stack.ts';
import { passwordLogin } from '../../shared/auth/password-login.ts';
import { loadConfig } from '../../shared/config.ts';
import { createServices, type Services } from '../../shared/services.ts';
import { scryptHasher, type PasswordHasher } from '../../shared/users/passwords.ts';
import { hashingConcurrency, importUsers } from '../../shared/users/user-import.ts';
import { parseXivoUsers } from '../../shared/users/xivo-users-csv.ts';

const HEADER = 'username,password,cti_profile_enabled,cti_profile_name,firstname,lastname';
const dir = mkdtempSync(join(tmpdir(), 'xuc-auth-import-'));
const password = () => `pw-${randomUUID()}`;
const name = (prefix = 'imp') => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A file holding `lines` joined by `eol`. */
function csvFile(lines: string[], eol = '\n', prefix = ''): string {
  const path = join(dir, `${randomUUID()}.csv`);
  writeFileSync(path, prefix + lines.join(eol) + eol);
  return path;
}

/**
 * A stage of its own, its tables and secrets provisioned on the run's emulators: --disable-missing
 * acts on every user of a table, and must not touch other tests' users.
 */
async function freshStage() {
  const env: Record<string, string | undefined> = { ...process.env, STAGE: `import-${randomUUID().slice(0, 8)}` };
  const config = loadConfig(env);
  await provisionStack(config, inject('endpoints'));
  const services = createServices(config, localClients(inject('endpoints')));
  const cli = async (argv: string[], options: { stdin?: string; terminal?: boolean } = {}) => {
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), options.terminal ? { isTTY: true, columns: 100 } : {});
    let out = '';
    let err = '';
    stdout.on('data', (chunk) => (out += String(chunk)));
    stderr.on('data', (chunk) => (err += String(chunk)));
    const stdin = Readable.from([options.stdin ?? '']);
    const code = await run({ argv, stdin, stdout, stderr, env, cwd: process.cwd() });
    return { code, stdout: out, stderr: err };
  };
  return { env, services, cli };
}

const logIn = (services: Services, login: string, secret: string) =>
  passwordLogin(services, { login, password: secret });

describe('xuc-auth users import', () => {
  it("creates users from XiVO's CSV (BOM, CRLF, quoted commas, quotes and newlines, other columns ignored), who can log in", async () => {
    const { services, cli } = await freshStage();
    const [alice, bob, carol] = [name('alice'), name('bob'), name('carol')];
    const [alicePw, bobPw] = [password(), password()];
    const file = csvFile(
      [
        `"entity_id",${HEADER},mobile_phone_number`,
        `1,${alice},${alicePw},1,Agent,"Alice, ""Al""",O'Hara,+33123`,
        `1,${bob},"${bobPw}",true,"Super, visor","Bob","Multi\r\nline",`,
        `1,${carol},,0,,Carol,,`,
      ],
      '\r\n',
      '\uFEFF',
    );
    const result = await cli(['users', 'import', file]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('3 created, 0 updated, 0 unchanged, 0 disabled, 0 refused');
    expect(result.stdout).toContain(`created    ${carol} (without a password: external logins only)`);
    expect(result.stdout).not.toContain(alicePw);
    expect(await services.users.get(alice)).toMatchObject({
      profile: 'Agent',
      ctiLoginEnabled: true,
      disabled: false,
      firstname: 'Alice, "Al"',
      lastname: "O'Hara",
    });
    expect(await services.users.get(bob)).toMatchObject({ profile: 'Super, visor', lastname: 'Multi\r\nline' });
    const noPassword = await services.users.get(carol);
    expect(noPassword).toMatchObject({ ctiLoginEnabled: false, firstname: 'Carol' });
    expect(noPassword?.passwordHash).toBeUndefined();
    expect(noPassword?.profile).toBeUndefined();
    await expect(logIn(services, alice, alicePw)).resolves.toMatchObject({ record: { login: alice } });
    await expect(logIn(services, bob, bobPw)).resolves.toMatchObject({ record: { login: bob } });
    // The production policy's parameters, as configured for the stage.
    expect((await services.users.get(alice))?.passwordHash).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$/);
  });

  it('changes nothing the second time: every row unchanged, no write, the same hashes', async () => {
    const { services, cli } = await freshStage();
    const users = [name(), name(), name()];
    const file = csvFile([HEADER, ...users.map((login) => `${login},${password()},1,agent,First,Last`)]);
    expect((await cli(['users', 'import', file])).code).toBe(0);
    const before = await services.users.list();
    const again = await cli(['--json', 'users', 'import', file]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      created: [],
      updated: [],
      unchanged: users,
      refused: [],
      concurrency: hashingConcurrency(services.passwordPolicy),
    });
    const oneAtATime = await cli(['--json', 'users', 'import', '--jobs', '1', file]);
    expect(JSON.parse(oneAtATime.stdout)).toMatchObject({ unchanged: users, concurrency: 1 });
    expect(await services.users.list()).toEqual(before);
  });

  it('updates profile, CTI login and password; a row without a password keeps the stored one; sessions end when the password changes or login is taken away', async () => {
    const { services, cli } = await freshStage();
    const [keeps, moves, loses] = [name('keeps'), name('moves'), name('loses')];
    const [keepsPw, oldPw, newPw, losesPw] = [password(), password(), password(), password()];
    await cli([
      'users',
      'import',
      csvFile([
        HEADER,
        `${keeps},${keepsPw},1,agent,,`,
        `${moves},${oldPw},1,agent,,`,
        `${loses},${losesPw},1,agent,,`,
      ]),
    ]);
    const keptHash = (await services.users.get(keeps))?.passwordHash;
    const sessions = [
      await logIn(services, keeps, keepsPw),
      await logIn(services, moves, oldPw),
      await logIn(services, loses, losesPw),
    ];
    const result = await cli([
      'users',
      'import',
      csvFile([HEADER, `${keeps},,1,supervisor,Kate,`, `${moves},${newPw},1,agent,,`, `${loses},,0,agent,,`]),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('0 created, 3 updated, 0 unchanged');
    expect(result.stdout).toContain(`updated    ${keeps} (profile, firstname)`);
    expect(result.stdout).toContain(`updated    ${moves} (password, 1 live token(s) revoked)`);
    expect(result.stdout).toContain(`updated    ${loses} (ctiLoginEnabled, 1 live token(s) revoked)`);
    expect(await services.users.get(keeps)).toMatchObject({
      profile: 'supervisor',
      firstname: 'Kate',
      passwordHash: keptHash,
    });
    await expect(logIn(services, keeps, keepsPw)).resolves.toBeDefined();
    await expect(services.tokens.verify(sessions[0]?.token ?? '')).resolves.toBeDefined();
    await expect(services.tokens.verify(sessions[1]?.token ?? '')).rejects.toMatchObject({ code: 'InvalidToken' });
    await expect(logIn(services, moves, oldPw)).rejects.toMatchObject({ code: 'InvalidCredentials' });
    await expect(logIn(services, moves, newPw)).resolves.toBeDefined();
    await expect(services.tokens.verify(sessions[2]?.token ?? '')).rejects.toMatchObject({ code: 'InvalidToken' });
    await expect(logIn(services, loses, losesPw)).rejects.toMatchObject({ code: 'InvalidCredentials' });
  });

  it('leaves the names as stored when the file has no column for them, and the password when it has no password column', async () => {
    const { services, cli } = await freshStage();
    const login = name();
    await cli(['users', 'import', csvFile([HEADER, `${login},${password()},1,agent,Ann,Lee`])]);
    const stored = await services.users.get(login);
    const result = await cli([
      'users',
      'import',
      csvFile(['username,cti_profile_enabled,cti_profile_name', `${login},1,agent`]),
    ]);
    expect(result.stdout).toContain('0 created, 0 updated, 1 unchanged');
    expect(await services.users.get(login)).toEqual(stored);
  });

  it('refuses wrong rows with their row number and reason, exit 1, and applies the others; a refused row writes nothing', async () => {
    const { services, cli } = await freshStage();
    const [good, existing, late] = [name('good'), name('existing'), name('late')];
    const existingPw = password();
    await cli(['users', 'import', csvFile([HEADER, `${existing},${existingPw},1,agent,,`])]);
    const stored = await services.users.get(existing);
    const file = csvFile([
      HEADER,
      `${good},${password()},1,agent,,`,
      `${existing},short-pw,0,other,,`,
      `${late},${password()},maybe,agent,,`,
      `bad login!,${password()},1,agent,,`,
      `${good},${password()},1,supervisor,,`,
      `${late},${password()},1,,,`,
      `${late},${password()},1,agent`,
    ]);
    const result = await cli(['users', 'import', file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Error: 6 row(s) refused\n');
    expect(result.stdout).toContain('1 created, 0 updated, 0 unchanged, 0 disabled, 6 refused');
    for (const line of [
      `row 3 (${existing}): password: A password has 12 to 1024 characters`,
      `row 4 (${late}): cti_profile_enabled is neither 1/0 nor true/false`,
      'row 5 (bad login!): username: A login is 1 to 128',
      `row 6 (${good}): username ${good} is already on row 2`,
      `row 7 (${late}): cti_profile_enabled is on but cti_profile_name is empty`,
      `row 8 (${late}): it has 4 field(s) where the header has 6`,
    ])
      expect(result.stdout).toContain(line);
    expect(result.stdout).not.toContain('short-pw');
    expect(await services.users.get(existing)).toEqual(stored);
    expect(await services.users.get(late)).toBeUndefined();
    expect(await services.users.get(good)).toMatchObject({ profile: 'agent' });
  });

  it('refuses a file that is not valid CSV or lacks a needed column as a whole: nothing written', async () => {
    const { services, cli } = await freshStage();
    const first = name();
    const broken = await cli([
      'users',
      'import',
      csvFile([HEADER, `${first},${password()},1,agent,,`, `x,"open,1,a,,`]),
    ]);
    expect(broken).toMatchObject({ code: 1, stderr: 'Error: The file is not valid CSV: Quote Not Closed at line 3\n' });
    // csv-parse quotes the field it stopped at: that may be a password, and is never shown.
    const secret = password();
    const quoted = await cli(['users', 'import', csvFile([HEADER, `${first},${secret}"x,1,agent,,`])]);
    expect(quoted).toMatchObject({
      code: 1,
      stderr: 'Error: The file is not valid CSV: Invalid Opening Quote at line 2\n',
    });
    const noColumn = await cli(['users', 'import', csvFile(['username,password', `${first},${password()}`])]);
    expect(noColumn).toMatchObject({
      code: 1,
      stderr: 'Error: The header lacks the column(s) cti_profile_enabled, cti_profile_name\n',
    });
    expect(await services.users.list()).toEqual([]);
    expect((await cli(['users', 'import', join(dir, 'no-such-file.csv')])).code).toBe(1);
  });

  it('--dry-run reports what would change and writes nothing', async () => {
    const { services, cli } = await freshStage();
    const [kept, fresh] = [name(), name()];
    const keptPw = password();
    await cli(['users', 'import', csvFile([HEADER, `${kept},${keptPw},1,agent,,`])]);
    const before = await services.users.list();
    const file = csvFile([HEADER, `${kept},${password()},1,supervisor,,`, `${fresh},${password()},1,agent,,`]);
    const result = await cli(['users', 'import', '--dry-run', '--disable-missing', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Dry run, nothing written');
    expect(result.stdout).toContain('1 would be created, 1 would be updated, 0 unchanged, 0 would be disabled');
    expect(result.stdout).toContain(`updated    ${kept} (profile, password)`);
    expect(await services.users.list()).toEqual(before);
  });

  it('--disable-missing disables the users the file does not name and ends their sessions; refused rows still name theirs', async () => {
    const { services, cli } = await freshStage();
    const [stays, goes, refusedRow] = [name('stays'), name('goes'), name('refused')];
    const pws = [password(), password(), password()];
    await cli([
      'users',
      'import',
      csvFile([
        HEADER,
        `${stays},${pws[0]},1,agent,,`,
        `${goes},${pws[1]},1,agent,,`,
        `${refusedRow},${pws[2]},1,agent,,`,
      ]),
    ]);
    const session = await logIn(services, goes, pws[1] ?? '');
    const dry = await cli([
      'users',
      'import',
      '--dry-run',
      '--disable-missing',
      csvFile([HEADER, `${stays},,1,agent,,`]),
    ]);
    expect(dry.stdout).toContain(`disabled   ${goes}`);
    expect((await services.users.get(goes))?.disabled).toBe(false);

    const file = csvFile([HEADER, `${stays},,1,agent,,`, `${refusedRow},tiny,1,agent,,`]);
    const result = await cli(['users', 'import', '--disable-missing', file]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('0 created, 0 updated, 1 unchanged, 1 disabled, 1 refused');
    expect(result.stdout).toContain(`disabled   ${goes} (1 live token(s) revoked)`);
    expect((await services.users.get(goes))?.disabled).toBe(true);
    expect((await services.users.get(stays))?.disabled).toBe(false);
    expect((await services.users.get(refusedRow))?.disabled).toBe(false);
    await expect(services.tokens.verify(session.token)).rejects.toMatchObject({ code: 'InvalidToken' });

    // A user disabled here stays so when the file names them again; an empty file disables nobody.
    const back = await cli([
      'users',
      'import',
      '--disable-missing',
      csvFile([HEADER, `${stays},,1,agent,,`, `${goes},,1,agent,,`, `${refusedRow},,1,agent,,`]),
    ]);
    expect(back.stdout).toContain('0 created, 0 updated, 3 unchanged, 0 disabled, 0 refused');
    expect(back.stdout).toContain(`left disabled (xuc-auth users enable <login>): ${goes}`);
    expect((await services.users.get(goes))?.disabled).toBe(true);
    const empty = await cli(['users', 'import', '--disable-missing', csvFile([HEADER])]);
    expect(empty).toMatchObject({ code: 1, stderr: expect.stringContaining('The file names no user') as unknown });
    expect((await services.users.get(stays))?.disabled).toBe(false);
  });

  it('shows a progress bar with an ETA on a terminal, never on a pipe', async () => {
    const { cli } = await freshStage();
    const file = csvFile([HEADER, ...[name(), name()].map((login) => `${login},${password()},1,agent,,`)]);
    const piped = await cli(['users', 'import', '--dry-run', file]);
    expect(piped).toMatchObject({ code: 0, stderr: '' });
    const terminal = await cli(['users', 'import', file], { terminal: true });
    expect(terminal.code).toBe(0);
    expect(terminal.stderr).toContain('Importing users [');
    expect(terminal.stderr).toContain('ETA');
    expect(terminal.stdout).not.toContain('Importing users [');
  });
});

/** The real scrypt, counting the derivations and how many run at once. */
function countingHasher() {
  const counts = { hashes: 0, verifies: 0, inFlight: 0, maxInFlight: 0 };
  const counted = async <T>(kind: 'hashes' | 'verifies', derive: () => Promise<T>): Promise<T> => {
    counts[kind]++;
    counts.maxInFlight = Math.max(counts.maxInFlight, ++counts.inFlight);
    try {
      return await derive();
    } finally {
      counts.inFlight--;
    }
  };
  const hasher: PasswordHasher = {
    hash: (secret, params) => counted('hashes', () => scryptHasher.hash(secret, params)),
    verify: (secret, encoded) => counted('verifies', () => scryptHasher.verify(secret, encoded)),
  };
  return { hasher, counts };
}

describe('users import: the hashing work', () => {
  it('derives one password per core at once, and a second import only verifies, never re-hashes', async () => {
    const { services } = await freshStage();
    const file = parseXivoUsers(
      [HEADER, ...Array.from({ length: 8 }, () => `${name()},${password()},1,agent,,`)].join('\n'),
    );
    const concurrency = hashingConcurrency(services.passwordPolicy);
    // Two cores here, and a threadpool of four: both cores are used.
    expect(concurrency).toBe(Math.min(availableParallelism(), 4));
    const first = countingHasher();
    const created = await importUsers(services, file, { concurrency, hasher: first.hasher });
    expect(created.created).toHaveLength(8);
    expect(first.counts).toMatchObject({ hashes: 8, verifies: 0, maxInFlight: concurrency });
    const second = countingHasher();
    const again = await importUsers(services, file, { concurrency, hasher: second.hasher });
    expect(again.unchanged).toHaveLength(8);
    expect(second.counts).toMatchObject({ hashes: 0, verifies: 8, maxInFlight: concurrency });
    expect(hashingConcurrency(services.passwordPolicy, { UV_THREADPOOL_SIZE: '1' })).toBe(1);
  });
});

/** The threads of libuv's threadpool in a process (Linux names them). */
function libuvWorkers(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/task`).filter(
      (task) => readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim() === 'libuv-worker',
    ).length;
  } catch {
    return 0; // the process has ended
  }
}

describe('the xuc-auth command', () => {
  it.runIf(process.platform === 'linux')(
    "sizes libuv's threadpool before anything starts it: a thread per core for hashing, and libuv's four besides",
    async () => {
      const { env } = await freshStage();
      const file = csvFile([HEADER, ...Array.from({ length: 6 }, () => `${name()},${password()},1,agent,,`)]);
      const { UV_THREADPOOL_SIZE: _unset, ...childEnv } = env;
      const child = spawn(process.execPath, ['cli/bin.mjs', 'users', 'import', file], {
        env: { ...childEnv, PASSWORD_SCRYPT_LOG_N: '14' },
        stdio: 'ignore',
      });
      let most = 0;
      // The pool starts at the first hash and lives until the process ends.
      const poll = setInterval(() => (most = Math.max(most, libuvWorkers(child.pid ?? 0))), 5);
      const [code] = await once(child, 'exit');
      clearInterval(poll);
      expect(code).toBe(0);
      expect(most).toBe(availableParallelism() + 4);
    },
  );
});

describe('xuc-auth users export', () => {
  it('writes the same format without passwords, and importing it back changes nothing', async () => {
    const { services, cli } = await freshStage();
    const [quoted, plain] = [name('quoted'), name('plain')];
    await cli([
      'users',
      'import',
      csvFile([HEADER, `${quoted},${password()},1,"Agent, senior","Jo ""J""","Line\none"`, `${plain},,0,,,`]),
    ]);
    const exported = await cli(['users', 'export']);
    expect(exported.code).toBe(0);
    const sorted = [quoted, plain].sort();
    const rows = {
      [quoted]: `${quoted},,1,"Agent, senior","Jo ""J""","Line\none"`,
      [plain]: `${plain},,0,,,`,
    };
    expect(exported.stdout).toBe(`${HEADER}\r\n${sorted.map((login) => rows[login]).join('\r\n')}\r\n`);
    expect(exported.stdout).not.toContain('$scrypt$');

    const path = join(dir, `${randomUUID()}.csv`);
    expect((await cli(['users', 'export', '--output', path])).stdout).toBe(`Exported 2 user(s) to ${path}\n`);
    expect(readFileSync(path, 'utf8')).toBe(exported.stdout);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const before = await services.users.list();
    const again = await cli(['users', 'import', path]);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toContain('0 created, 0 updated, 2 unchanged, 0 disabled, 0 refused');
    expect(await services.users.list()).toEqual(before);
    const fromStdin = await cli(['users', 'import', '-'], { stdin: exported.stdout });
    expect(fromStdin.stdout).toContain('2 unchanged');
    // On a terminal the passwords would be echoed as they are typed.
    const typed = await run({
      argv: ['users', 'import', '-'],
      stdin: Object.assign(Readable.from([exported.stdout]), { isTTY: true }),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      env: {},
      cwd: '/nonexistent',
    });
    expect(typed).toBe(2);
  });
});
