import type { CliIo, CliOptions } from './main.ts';
import { printer, table } from './output.ts';
import { promptPassword, readPasswordFromStdin } from './password-input.ts';
import { UsageError, type Target } from './target.ts';
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

async function newPassword(options: CliOptions, io: CliIo): Promise<string | undefined> {
  if (options['no-password']) return undefined;
  const password = options['password-stdin']
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

function requireLogin(login: string | undefined, action: string): string {
  if (!login) throw new UsageError(`users ${action} needs a <login>`);
  return login;
}

export async function usersCommand(action: string | undefined, args: string[], options: CliOptions, target: Target, io: CliIo): Promise<void> {
  const { users, tokenStore, passwordPolicy, now } = target.services;
  const print = printer(options.json, io.stdout);
  const login = args[0];

  switch (action) {
    case 'add': {
      const name = requireLogin(login, 'add');
      if (!options.profile) throw new UsageError('users add needs --profile <profile>');
      const password = await newPassword(options, io);
      const user = await addUser(
        users,
        { login: name, profile: options.profile, ctiLoginEnabled: !options['no-cti-login'], ...(password ? { password } : {}) },
        passwordPolicy,
      );
      return print(`Added user ${name} on ${target.description}\n`, userView(user));
    }
    case 'list': {
      const all = (await users.list()).map(userView);
      return print(table(all.map(({ createdAt: _c, updatedAt: _u, ...row }) => row), '(no users)'), all);
    }
    case 'show': {
      const user = await users.get(requireLogin(login, 'show'));
      if (!user) throw new Error(`No user ${login}`);
      const view = userView(user);
      return print(Object.entries(view).map(([key, value]) => `${key.padEnd(16)}${value ?? '-'}`).join('\n') + '\n', view);
    }
    case 'disable':
    case 'enable': {
      const name = requireLogin(login, action);
      if (!(await users.setDisabled(name, action === 'disable', new Date(now())))) throw new Error(`No user ${name}`);
      const revoked = action === 'disable' ? await revokeAllTokens(tokenStore, name, now) : 0;
      const detail = action === 'disable' ? `, ${revoked} live token(s) revoked` : '';
      return print(`User ${name} ${action}d${detail}\n`, { login: name, disabled: action === 'disable', revokedTokens: revoked });
    }
    case 'remove': {
      const name = requireLogin(login, 'remove');
      if (!(await users.remove(name))) throw new Error(`No user ${name}`);
      const revoked = await revokeAllTokens(tokenStore, name, now);
      return print(`User ${name} removed, ${revoked} live token(s) revoked\n`, { login: name, removed: true, revokedTokens: revoked });
    }
    default:
      throw new UsageError(action ? `Unknown users command "${action}"` : 'users needs a command');
  }
}
