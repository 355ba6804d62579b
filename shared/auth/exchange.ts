import { XucError } from '../errors.ts';
import { sessionOfRecord } from '../tokens/token-issuer.ts';
import type { IssuedToken, IssueRequest, TokenService } from '../tokens/token-service.ts';
import { mayLogIn, type UserStore } from '../users/user-store.ts';

export interface ExchangeDeps {
  users: UserStore;
  tokens: TokenService;
}

export interface RenewalDeps {
  tokens: TokenService;
  config: { usersTable: string };
}

/**
 * The common end of every exchange: an identity proven by some credential becomes a Xuc token,
 * provided it names a user allowed to log in (README, API), and, for OpenID Connect, the subject
 * bound to that user.
 */
export async function completeExchange(
  deps: ExchangeDeps,
  request: IssueRequest,
  { oidcSubject }: { oidcSubject?: string | undefined } = {},
): Promise<IssuedToken> {
  const user = await deps.users.get(request.login);
  if (!user) throw new XucError('UserNotFound', { cause: new Error('no such user') });
  if (!mayLogIn(user)) throw new XucError('UserNotFound', { cause: new Error('user may not log in') });
  if (oidcSubject !== undefined && user.oidcSubject !== oidcSubject) {
    // The first OpenID Connect exchange binds the IdP's subject; a later token naming the same
    // login for another subject (a renamed or recycled username) proves nothing here.
    const bound =
      user.oidcSubject === undefined && (await deps.users.bindOidcSubject(user.login, oidcSubject, new Date()));
    if (!bound)
      throw new XucError('UserNotFound', {
        cause: new Error('OpenID Connect subject differs from the one bound to the login'),
      });
  }
  return deps.tokens.issue(request);
}

/**
 * `/check`: a valid Xuc token is traded for a fresh one of the same session: same user, method,
 * client type and lifetime, never past the session's start + TOKEN_MAX_TTL. The presented token
 * stays valid until its own expiry, so concurrent clients of one session never log each other
 * out; ending any token of the session (logout, revocation) ends them all.
 */
export async function renewToken(deps: RenewalDeps, token: string): Promise<IssuedToken> {
  // The token record and its user in one read, then the new record: two DynamoDB round trips.
  const { record, user } = await deps.tokens.verifyWithUser(token, deps.config.usersTable);
  if (!mayLogIn(user)) throw new XucError('UserNotFound', { cause: new Error('user may no longer log in') });
  return deps.tokens.issue({
    login: record.login,
    method: record.method,
    softwareType: record.softwareType,
    applicationType: record.applicationType,
    session: sessionOfRecord(record),
  });
}
