import { randomBytes } from 'node:crypto';
import { XucError } from '../errors.ts';
import { logger, reasonOf } from '../logger.ts';
import type { IssuedToken, TokenService } from '../tokens/token-service.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { hashPassword, needsRehash, scryptHasher, type PasswordHasher, type ScryptParams } from '../users/passwords.ts';
import { mayLogIn, type UserStore } from '../users/user-store.ts';

export interface PasswordLoginDeps {
  users: UserStore;
  tokens: TokenService;
  passwordPolicy: ScryptParams;
  throttle: LoginThrottle;
  now?: () => number;
  /** scrypt unless a test counts the work. */
  passwordHasher?: PasswordHasher;
}

export interface PasswordLoginRequest {
  login: string;
  password: string;
  expiration?: number;
  softwareType?: string;
  applicationType?: string;
  /** Source address of the request, for the per-address failure count. */
  source?: string;
}

// A hash of a random password under the current policy: unknown logins are checked against it
// so that they cost the same scrypt work as known ones.
const decoys = new Map<string, Promise<string>>();
function decoyHash(policy: ScryptParams): Promise<string> {
  const key = JSON.stringify(policy);
  let decoy = decoys.get(key);
  if (!decoy) {
    decoy = hashPassword(randomBytes(16).toString('hex'), policy);
    decoys.set(key, decoy);
  }
  return decoy;
}

/**
 * Login + password → Xuc token. Every refusal (unknown login, wrong password, disabled user,
 * CTI login off, no profile, no password) is the same `InvalidCredentials` after at least one
 * derivation under the current policy, whatever the stored hash. A hash made under older
 * parameters is upgraded on a successful login.
 */
export async function passwordLogin(deps: PasswordLoginDeps, request: PasswordLoginRequest): Promise<IssuedToken> {
  const hasher = deps.passwordHasher ?? scryptHasher;
  const attempt = await deps.throttle.begin(request.login, request.source);
  let user, storedHash, matches;
  try {
    user = await deps.users.get(request.login);
    storedHash = user?.passwordHash;
    matches = await hasher.verify(request.password, storedHash ?? (await decoyHash(deps.passwordPolicy)));
    // A hash under older, cheaper parameters would answer sooner: the refusal pays the current policy's work too.
    if ((!matches || !mayLogIn(user)) && storedHash && needsRehash(storedHash, deps.passwordPolicy)) {
      await hasher.verify(request.password, await decoyHash(deps.passwordPolicy));
    }
  } catch (error) {
    // Left pending, the attempt would hold one of the login's tries until its counter expires.
    await attempt.abandoned().catch(() => undefined);
    throw error;
  }
  if (!storedHash || !matches || !mayLogIn(user)) {
    await attempt.failed();
    const reason = !user ? 'no such user' : !matches ? 'wrong password' : 'user may not log in';
    throw new XucError('InvalidCredentials', { cause: new Error(reason) });
  }
  await attempt.succeeded();
  if (needsRehash(storedHash, deps.passwordPolicy)) {
    await upgradeHash(deps, user.login, storedHash, request.password);
  }
  return deps.tokens.issue({
    login: user.login,
    method: 'password',
    expiration: request.expiration,
    softwareType: request.softwareType,
    applicationType: request.applicationType,
  });
}

async function upgradeHash(
  deps: PasswordLoginDeps,
  login: string,
  storedHash: string,
  password: string,
): Promise<void> {
  try {
    const upgraded = await (deps.passwordHasher ?? scryptHasher).hash(password, deps.passwordPolicy);
    await deps.users.replacePasswordHash(login, storedHash, upgraded, new Date((deps.now ?? Date.now)()));
  } catch (error) {
    // The login itself succeeded; the upgrade is retried at the next one.
    logger.warn('password hash upgrade failed', { login, reason: reasonOf(error) });
  }
}
