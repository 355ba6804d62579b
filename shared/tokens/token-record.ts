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
}

/** A token record as seen at one moment, with the login's revoke-all mark if there is one. */
export interface TokenState {
  record?: TokenRecord;
  /** Epoch milliseconds: every token of the login issued before it is revoked. */
  revokedBefore?: number | undefined;
}

export function isLive(state: TokenState, nowSeconds: number): state is TokenState & { record: TokenRecord } {
  const { record, revokedBefore } = state;
  return (
    record !== undefined &&
    record.revokedAt === undefined &&
    record.expiresAt > nowSeconds &&
    (revokedBefore === undefined || record.issuedAtMs >= revokedBefore)
  );
}

// The revoke-all mark shares the tokens table, under a key no token id (a UUID) can take, and
// carries no `login` attribute, so it stays out of the byLogin index.
export const revokeAllMarkKey = (login: string) => ({ tokenId: `revoked-before#${login}` });

/** Token ids are random UUIDs, as `TokenIssuer` makes them: anything else names no token. */
export const isTokenId = (value: string): boolean =>
  /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(value);
