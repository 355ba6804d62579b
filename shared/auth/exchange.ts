import { XucError } from '../errors.ts';
import type { IssuedToken, IssueRequest, TokenService } from '../tokens/token-service.ts';
import { mayLogIn, type UserStore } from '../users/user-store.ts';

export interface ExchangeDeps {
  users: UserStore;
  tokens: TokenService;
}

/**
 * The common end of every exchange: an identity proven by some credential becomes a Xuc token,
 * provided it names a user allowed to log in (api-contract §3, last paragraph).
 */
export async function completeExchange(deps: ExchangeDeps, request: IssueRequest): Promise<IssuedToken> {
  const user = await deps.users.get(request.login);
  if (!mayLogIn(user)) {
    throw new XucError('UserNotFound', { cause: new Error(user ? 'user may not log in' : 'no such user') });
  }
  return deps.tokens.issue(request);
}

/**
 * `/check`: a valid Xuc token is traded for a fresh one for the same user, method and client
 * type. The presented token stays valid until its own expiry, so concurrent clients of one
 * user never log each other out.
 */
export async function renewToken(deps: ExchangeDeps, token: string): Promise<IssuedToken> {
  const record = await deps.tokens.verify(token);
  return completeExchange(deps, {
    login: record.login,
    method: record.method,
    softwareType: record.softwareType,
    applicationType: record.applicationType,
  });
}
