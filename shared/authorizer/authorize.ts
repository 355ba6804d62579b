import type { SharedToken } from '../secrets/shared-token.ts';
import type { TokenVerifier } from '../tokens/token-verifier.ts';
import type { TokenRecord } from '../tokens/token-record.ts';
import { presentedToken } from '../http/request.ts';
import { XucError } from '../errors.ts';
import { reasonOf } from '../logger.ts';
import type { DecisionCache } from './decision-cache.ts';
import { isSharedTokenRoute, type RoutedRequest } from './shared-token-routes.ts';

/** What downstream functions find in `requestContext.authorizer.lambda`. */
export type CallerContext =
  { principal: 'server' } | { principal: 'user'; login: string; method: TokenRecord['method']; tokenId: string };

export type Decision =
  | { kind: 'allow'; context: CallerContext }
  /** `category` is one of a few fixed values, fit for a metric dimension; `reason` is for the logs. */
  | { kind: 'deny'; reason: string; category: string }
  /** No token at all: API Gateway must answer 401, not 403. */
  | { kind: 'unauthenticated' };

export interface AuthorizerDeps {
  tokens: Pick<TokenVerifier, 'verify' | 'warm'>;
  sharedToken: SharedToken;
  sharedTokenRoutes: readonly string[];
  cache?: DecisionCache;
}

export type AuthorizerRequest = RoutedRequest;

/**
 * The authorizer's decision (README, "The authorizer"). Any failure, of the token or of a dependency,
 * is a denial: the authorizer fails closed.
 */
export async function authorize(deps: AuthorizerDeps, request: AuthorizerRequest): Promise<Decision> {
  let presented;
  try {
    presented = presentedToken(request);
  } catch (error) {
    return { kind: 'deny', reason: reasonOf(error), category: 'AmbiguousToken' };
  }
  if (!presented) return { kind: 'unauthenticated' };
  try {
    const cached = await deps.cache?.get(presented.token);
    // A header token may be either kind: both secrets are read side by side, so that a cold
    // container makes one round trip, not two. Other sources go straight to verification, and a
    // cached token needs no signing key at all.
    const [isSharedToken] = await Promise.all([
      presented.source === 'header' ? deps.sharedToken.matches(presented.token) : false,
      presented.source === 'header' && !cached ? deps.tokens.warm().catch(() => undefined) : undefined,
    ]);
    if (isSharedToken) return { kind: 'allow', context: { principal: 'server' } };
    const sharedOnly = isSharedTokenRoute(request, deps.sharedTokenRoutes);
    if (sharedOnly !== false) {
      return sharedOnly
        ? { kind: 'deny', reason: 'route admits only the shared token', category: 'SharedTokenRoute' }
        : { kind: 'deny', reason: 'unreadable path', category: 'UnreadablePath' };
    }
    let record = cached;
    if (!record) {
      record = await deps.tokens.verify(presented.token);
      deps.cache?.set(presented.token, record);
    }
    return {
      kind: 'allow',
      context: { principal: 'user', login: record.login, method: record.method, tokenId: record.tokenId },
    };
  } catch (error) {
    return {
      kind: 'deny',
      reason: reasonOf(error),
      category: error instanceof XucError ? error.code : 'UnhandledError',
    };
  }
}
