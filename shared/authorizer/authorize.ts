import type { SharedToken } from '../secrets/shared-token.ts';
import type { TokenVerifier } from '../tokens/token-verifier.ts';
import type { TokenRecord } from '../tokens/token-record.ts';
import { presentedToken, type HttpRequestParts } from '../http/request.ts';
import { XucError } from '../errors.ts';
import { reasonOf } from '../logger.ts';
import type { DecisionCache } from './decision-cache.ts';

/** What downstream functions find in `requestContext.authorizer.lambda`. */
export type CallerContext =
  | { principal: 'server' }
  | { principal: 'user'; login: string; method: TokenRecord['method']; tokenId: string };

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

export interface AuthorizerRequest extends HttpRequestParts {
  rawPath?: string;
  routeKey?: string;
}

/**
 * The path as routing sees it: percent-decoded, backslashes read as slashes (as URL parsers and
 * some back ends do), repeated slashes collapsed, dot segments resolved, so that
 * `/x/..//configmgt/` or `/\configmgt/` cannot slip past a prefix rule. Undefined when the path
 * cannot be read.
 */
export function canonicalPath(rawPath: string): string | undefined {
  try {
    const decoded = decodeURIComponent(rawPath).replaceAll('\\', '/').replace(/\/{2,}/g, '/');
    return new URL(decoded, 'http://path.invalid').pathname.replace(/\/{2,}/g, '/');
  } catch {
    return undefined;
  }
}

function needsSharedToken(request: AuthorizerRequest, prefixes: readonly string[]): boolean | undefined {
  const path = canonicalPath(request.rawPath ?? '/');
  if (path === undefined) return undefined;
  const routePath = request.routeKey?.split(' ')[1] ?? '';
  return prefixes.some((prefix) => path.startsWith(prefix) || routePath.startsWith(prefix));
}

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
    const sharedOnly = needsSharedToken(request, deps.sharedTokenRoutes);
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
    return { kind: 'deny', reason: reasonOf(error), category: error instanceof XucError ? error.code : 'UnhandledError' };
  }
}
