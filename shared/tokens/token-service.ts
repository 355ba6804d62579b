import { TokenIssuer, type IssuedToken, type IssueRequest, type TokenIssuerOptions } from './token-issuer.ts';
import type { TokenRecord } from './token-record.ts';
import { TokenVerifier } from './token-verifier.ts';
import type { User } from '../users/user-store.ts';

export type { IssuedToken, IssueRequest } from './token-issuer.ts';

/**
 * Issues and verifies Xuc tokens, for the functions that do both (every exchange, `/check`);
 * the authorizer carries a `TokenVerifier` alone. A token is valid while its signature, expiry
 * and record (present, not revoked) all hold.
 */
export interface TokenService {
  issue(request: IssueRequest): Promise<IssuedToken>;
  verify(token: string): Promise<TokenRecord>;
  verifyWithUser(token: string, usersTable: string): Promise<{ record: TokenRecord; user?: User }>;
  /** Reads the signing keys into the cache, so that a later verification needs no Secrets Manager call. */
  warm(): Promise<void>;
}

export function createTokenService(options: TokenIssuerOptions): TokenService {
  const issuer = new TokenIssuer(options);
  const verifier = new TokenVerifier({ keys: options.keys, states: options.store, now: options.now });
  return {
    issue: (request) => issuer.issue(request),
    verify: (token) => verifier.verify(token),
    verifyWithUser: (token, usersTable) => verifier.verifyWithUser(token, usersTable),
    warm: () => verifier.warm(),
  };
}
