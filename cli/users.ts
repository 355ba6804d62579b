import type { Command } from 'commander';
import type { CliContext } from './main.ts';
import { table } from './output.ts';
import { checkPasswordPolicy, promptPassword, readPasswordFromStdin } from './password-input.ts';
import { hashPassword } from '../shared/users/passwords.ts';
import { revokeAllTokens } from '../shared/tokens/user-tokens.ts';
import { addUser } from '../shared/users/user-admin.ts';
import type { User } from '../shared/users/user-store.ts';
import { importExportCommands } from './users-import.ts';

/** What the CLI shows of a user: never the password hash. */
function userView(user: User) {
  return {
    login: user.login,
    profile: user.profile ?? null,
    ctiLoginEnabled: user.ctiLoginEnabled,
    disabled: user.disabled,
    hasPassword: Boolean(user.passwordHash),
    oidcSubject: user.oidcSubject ?? null,
    firstname: user.firstname ?? null,
    lastname: user.lastname ?? null,
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

/** `--password-stdin` reads a pipe or a file: on a terminal the password would be echoed as it is typed. */
function refuseTerminalStdin(fromStdin: boolean | undefined, { io }: CliContext, command: Command): void {
  if (fromStdin && io.stdin.isTTY) {
    command.error('error: --password-stdin reads a pipe or a file; on a terminal, leave it out to be asked', {
      exitCode: 2,
    });
  }
}

/** A new password from standard input or asked for twice on the terminal, held to the length policy. */
async function newPassword(fromStdin: boolean | undefined, { io }: CliContext): Promise<string> {
  const password = fromStdin
    ? await readPasswordFromStdin(io.stdin)
    : await (async () => {
        const first = await promptPassword('Password: ', io);
        const second = await promptPassword('Password (again): ', io);
        if (first !== second) throw new Error('The passwords differ');
        return first;
      })();
  if (!password) throw new Error('The password is empty');
  checkPasswordPolicy(password);
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
      refuseTerminalStdin(options.passwordStdin, cli, command);
      const target = cli.target();
      const password = options.password ? await newPassword(options.passwordStdin, cli) : undefined;
      const user = await addUser(
        target.services.users,
        { login, profile: options.profile, ctiLoginEnabled: options.ctiLogin, password },
        target.services.passwordPolicy,
      );
      cli.print(`Added user ${login} on ${target.description}\n`, userView(user));
    });

  users
    .command('passwd')
    .description("sets the user's password and ends their sessions; asked for on the terminal")
    .argument('<login>')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (login: string, options: { passwordStdin?: boolean }, command: Command) => {
      refuseTerminalStdin(options.passwordStdin, cli, command);
      const { users: store, tokenStore, passwordPolicy, now } = cli.target().services;
      if (!(await store.get(login))) throw new Error(`No user ${login}`);
      const password = await newPassword(options.passwordStdin, cli);
      if (!(await store.setPasswordHash(login, await hashPassword(password, passwordPolicy), new Date(now())))) {
        throw new Error(`No user ${login}`);
      }
      const revoked = await revokeAllTokens(tokenStore, login, now);
      cli.print(`Password of ${login} changed, ${revoked} live token(s) revoked\n`, {
        login,
        passwordChanged: true,
        revokedTokens: revoked,
      });
    });

  users
    .command('unbind-oidc')
    .description('forgets the OpenID Connect subject bound to the user: the next OIDC exchange binds its own')
    .argument('<login>')
    .action(async (login: string) => {
      const { users: store, now } = cli.target().services;
      if (!(await store.unbindOidcSubject(login, new Date(now())))) throw new Error(`No user ${login}`);
      cli.print(`OpenID Connect subject of ${login} forgotten\n`, { login, oidcSubject: null });
    });

  users
    .command('list')
    .description('lists every user')
    .action(async () => {
      const all = (await cli.target().services.users.list()).map(userView);
      cli.print(
        table(
          all.map(({ createdAt: _c, updatedAt: _u, oidcSubject: _s, firstname: _f, lastname: _l, ...row }) => row),
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

  importExportCommands(users, cli);
}
