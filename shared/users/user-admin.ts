import { XucError } from '../errors.ts';
import { hashPassword, type ScryptParams } from './passwords.ts';
import type { User, UserStore } from './user-store.ts';

export interface NewUser {
  login: string;
  profile: string;
  ctiLoginEnabled: boolean;
  /** Omitted for users who only log in through Kerberos, CAS or OpenID Connect. */
  password?: string | undefined;
}

const LOGIN_PATTERN = /^[A-Za-z0-9._@-]{1,128}$/;
export const LOGIN_RULE = 'A login is 1 to 128 letters, digits, ".", "_", "@" or "-"';
export const isValidLogin = (login: string): boolean => LOGIN_PATTERN.test(login);

/** Adds a user with a freshly hashed password; refuses a taken or malformed login. */
export async function addUser(
  users: UserStore,
  user: NewUser,
  policy: ScryptParams,
  now: Date = new Date(),
): Promise<User> {
  if (!isValidLogin(user.login)) {
    throw new XucError('InvalidRequest', { message: LOGIN_RULE });
  }
  if (!user.profile.trim()) throw new XucError('InvalidRequest', { message: 'A profile is required' });
  const record: User = {
    login: user.login,
    profile: user.profile,
    ctiLoginEnabled: user.ctiLoginEnabled,
    disabled: false,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    ...(user.password ? { passwordHash: await hashPassword(user.password, policy) } : {}),
  };
  if (!(await users.create(record))) {
    throw new XucError('InvalidRequest', { message: `User ${user.login} already exists` });
  }
  return record;
}

/**
 * Adds the user unless its login exists already (an existing user is left as it is); resolves
 * true when it added it. A concurrent add of the same login counts as existing.
 */
export async function ensureUser(users: UserStore, user: NewUser, policy: ScryptParams): Promise<boolean> {
  if (await users.get(user.login)) return false;
  try {
    await addUser(users, user, policy);
    return true;
  } catch (error) {
    if (await users.get(user.login)) return false;
    throw error;
  }
}
