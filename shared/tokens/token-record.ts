/** How a token was obtained; also its `amr` claim. */
export type AuthMethod = 'password' | 'kerberos' | 'cas' | 'oidc';

/** What is recorded of an issued token: never the token itself. */
export interface TokenRecord {
  tokenId: string;
  login: string;
  method: AuthMethod;
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch milliseconds, to order the token against a revoke-all. */
  issuedAtMs: number;
  /** Epoch seconds; also the table's TTL attribute. */
  expiresAt: number;
  softwareType?: string;
  applicationType?: string;
  /** What the identity provider said of the user (e.g. CAS attributes), kept for audit. */
  attributes?: Record<string, string[]>;
  /** Epoch seconds; set once the token is revoked. */
  revokedAt?: number;
  /**
   * The session the token belongs to: the id of its first token. A renewal stays in its
   * session, and ending any token of a session ends all of them. Absent on tokens issued before
   * sessions existed: each was a session of its own.
   */
  sessionId?: string;
  /** Epoch seconds the session began; it never outlives this plus TOKEN_MAX_TTL. */
  sessionStartedAt?: number;
  /** Lifetime, in seconds, the session was opened with: each renewal gets it again. */
  sessionTtl?: number;
}

/** The session of a token record (its own id for a token issued before sessions existed). */
export const sessionOf = (record: Pick<TokenRecord, 'tokenId' | 'sessionId'>): string =>
  record.sessionId ?? record.tokenId;

// A session's end shares the tokens table too, under a key no token id can take.
export const sessionKey = (sessionId: string) => ({ tokenId: `session#${sessionId}` });

/** A token record as seen at one moment, with the login's revoke-all mark if there is one. */
export interface TokenState {
  record?: TokenRecord;
  /** Epoch milliseconds: every token of the login issued before it is revoked. */
  revokedBefore?: number | undefined;
  /** Epoch seconds the token's session was ended, if it was. */
  sessionEndedAt?: number | undefined;
}

export function isLive(state: TokenState, nowSeconds: number): state is TokenState & { record: TokenRecord } {
  const { record, revokedBefore, sessionEndedAt } = state;
  return (
    record !== undefined &&
    record.revokedAt === undefined &&
    sessionEndedAt === undefined &&
    record.expiresAt > nowSeconds &&
    (revokedBefore === undefined || record.issuedAtMs >= revokedBefore)
  );
}

// How many sessions a login has opened since they were last counted (SessionCap): a key no
// token id can take, with no `login` attribute either.
export const sessionCountKey = (login: string) => ({ tokenId: `sessions#${login}` });

// The revoke-all mark shares the tokens table, under a key no token id (a UUID) can take, and
// carries no `login` attribute, so it stays out of the byLogin index.
export const revokeAllMarkKey = (login: string) => ({ tokenId: `revoked-before#${login}` });

/** Token ids are random UUIDs, as `TokenIssuer` makes them: anything else names no token. */
export const isTokenId = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
