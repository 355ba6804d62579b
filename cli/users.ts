import type { Command } from 'commander';
import type { CliContext } from './main.ts';
import { table } from './output.ts';
import { promptPassword, readPasswordFromStdin } from './password-input.ts';
import { revokeAllTokens } from '../shared/tokens/user-tokens.ts';
import { addUser } from '../shared/users/user-admin.ts';
import type { User } from '../shared/users/user-store.ts';

/** What the CLI shows of a user: never the password hash. */
function userView(user: User) {
  return {
    login: user.login,
    profile: user.profile ?? null,
    ctiLoginEnabled: user.ctiLoginEnabled,
    disabled: user.disabled,
    hasPassword: Boolean(user.passwordHash),
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

interface AddOptions {
  profile: string;
  ctiLogin: boolean;
  passwordStdin?: boolean;
  /** false with --no-password */
  password: boolean;
}

async function newPassword(options: AddOptions, { io }: CliContext): Promise<string | undefined> {
  if (!options.password) return undefined;
  const password = options.passwordStdin
    ? await readPasswordFromStdin(io.stdin)
    : await (async () => {
        const first = await promptPassword('Password: ', io);
        const second = await promptPassword('Password (again): ', io);
        if (first !== second) throw new Error('The passwords differ');
        return first;
      })();
  if (!password) throw new Error('The password is empty');
  return password;
}

export function usersCommands(program: Command, cli: CliContext): void {
  const users = program.command('users').description('the users who may log in');

  users
    .command('add')
    .description('adds a user; the password is asked for on the terminal')
    .argument('<login>')
    .requiredOption('--profile <profile>', 'CTI profile')
    .option('--no-cti-login', 'the user may not log in to the CTI')
    .option('--password-stdin', 'read the password from standard input')
    .option('--no-password', 'no password: external logins (Kerberos, CAS, OpenID Connect) only')
    .action(async (login: string, options: AddOptions, command: Command) => {
      if (options.passwordStdin && !options.password)
        command.error('error: --password-stdin and --no-password exclude each other', { exitCode: 2 });
      const target = cli.target();
      const password = await newPassword(options, cli);
      const user = await addUser(
        target.services.users,
        { login, profile: options.profile, ctiLoginEnabled: options.ctiLogin, password },
        target.services.passwordPolicy,
      );
      cli.print(`Added user ${login} on ${target.description}\n`, userView(user));
    });

  users
    .command('list')
    .description('lists every user')
    .action(async () => {
      const all = (await cli.target().services.users.list()).map(userView);
      cli.print(
        table(
          all.map(({ createdAt: _c, updatedAt: _u, ...row }) => row),
          '(no users)',
        ),
        all,
      );
    });

  users
    .command('show')
    .description("shows one user's settings")
    .argument('<login>')
    .action(async (login: string) => {
      const user = await cli.target().services.users.get(login);
      if (!user) throw new Error(`No user ${login}`);
      const view = userView(user);
      cli.print(
        Object.entries(view)
          .map(([key, value]) => `${key.padEnd(16)}${value ?? '-'}`)
          .join('\n') + '\n',
        view,
      );
    });

  for (const disable of [true, false]) {
    const action = disable ? 'disable' : 'enable';
    users
      .command(action)
      .description(
        disable ? "refuses the user's logins and revokes their live tokens" : 'lets a disabled user log in again',
      )
      .argument('<login>')
      .action(async (login: string) => {
        const { users: store, tokenStore, now } = cli.target().services;
        if (!(await store.setDisabled(login, disable, new Date(now())))) throw new Error(`No user ${login}`);
        const revoked = disable ? await revokeAllTokens(tokenStore, login, now) : 0;
        const detail = disable ? `, ${revoked} live token(s) revoked` : '';
        cli.print(`User ${login} ${action}d${detail}\n`, { login, disabled: disable, revokedTokens: revoked });
      });
  }

  users
    .command('remove')
    .description('removes the user and revokes their live tokens')
    .argument('<login>')
    .action(async (login: string) => {
      const { users: store, tokenStore, now } = cli.target().services;
      if (!(await store.remove(login))) throw new Error(`No user ${login}`);
      const revoked = await revokeAllTokens(tokenStore, login, now);
      cli.print(`User ${login} removed, ${revoked} live token(s) revoked\n`, {
        login,
        removed: true,
        revokedTokens: revoked,
      });
    });
}
