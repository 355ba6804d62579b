import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { XucError } from '../errors.ts';
import type { SigningKeys } from '../secrets/signing-keys.ts';
import type { User } from '../users/user-store.ts';
import type { TokenStateReader } from './token-state-reader.ts';
import { isTokenId, sessionOf, type TokenRecord } from './token-record.ts';

/** Longer than any token this service issues; anything bigger is refused before parsing. */
/** Xuc tokens are about 400 characters; anything past this is refused before parsing. */
export const MAX_XUC_TOKEN_LENGTH = 2048;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface TokenVerifierOptions {
  keys: SigningKeys;
  states: TokenStateReader;
  /** Clock in milliseconds; injectable for expiry tests. */
  now?: (() => number) | undefined;
}

const invalid = (reason: string, cause?: unknown): XucError =>
  new XucError('InvalidToken', { cause: new Error(reason, { cause }) });

/**
 * Verifies Xuc tokens (issued by `TokenIssuer`): a token is valid while its signature, expiry and
 * record (present, not revoked) all hold. The authorizer needs only this.
 */
export class TokenVerifier {
  readonly #keys: SigningKeys;
  readonly #states: TokenStateReader;
  readonly #now: () => number;

  constructor(options: TokenVerifierOptions) {
    this.#keys = options.keys;
    this.#states = options.states;
    this.#now = options.now ?? Date.now;
  }

  /** Reads the signing keys into the cache, so that a later verification needs no Secrets Manager call. */
  async warm(): Promise<void> {
    await this.#keys.current();
  }

  /**
   * Checks signature and expiry without touching the token store: the cheap half of
   * `verify`, run first so that forged or expired tokens cost no I/O.
   */
  private async verifySignature(token: string): Promise<{ tokenId: string; login: string; sessionId: string }> {
    if (token.length > MAX_XUC_TOKEN_LENGTH) throw invalid(`longer than ${MAX_XUC_TOKEN_LENGTH} characters`);
    if (!COMPACT_JWS.test(token)) throw invalid('not a compact JWS');
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch (error) {
      throw invalid('unreadable header', error);
    }
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) throw invalid('no usable kid');
    const key = await this.#keys.forKid(kid);
    if (!key) throw invalid('unknown signing key version');
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
        currentDate: new Date(this.#now()),
      });
      const tokenId = payload.jti as string;
      // `sid` (OpenID Connect's session id claim) names the session; a token without one is its own.
      const sessionId = typeof payload.sid === 'string' && isTokenId(payload.sid) ? payload.sid : tokenId;
      return { tokenId, login: payload.sub as string, sessionId };
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new XucError('TokenExpired', { cause: error });
      if (error instanceof errors.JOSEError) throw invalid('signature or claims rejected', error);
      throw error;
    }
  }

  /** Full verification: signature, expiry, then the record (present, same login, not revoked). */
  async verify(token: string): Promise<TokenRecord> {
    return (await this.check(token)).record;
  }

  /** `verify`, reading the token's user from `usersTable` in the same DynamoDB round trip. */
  async verifyWithUser(token: string, usersTable: string): Promise<{ record: TokenRecord; user?: User }> {
    const { record, user } = await this.check(token, usersTable);
    return { record, ...(user ? { user } : {}) };
  }

  private async check(token: string, usersTable?: string) {
    const { tokenId, login, sessionId } = await this.verifySignature(token);
    const { record, revokedBefore, sessionEndedAt, user } = await this.#states.readState(tokenId, login, {
      sessionId,
      usersTable,
    });
    if (!record) throw invalid('no record for token');
    if (record.revokedAt !== undefined) throw invalid('token revoked');
    if (sessionEndedAt !== undefined || sessionOf(record) !== sessionId) throw invalid('session ended');
    // No revoke-all mark: no token was issued before the epoch.
    if (record.issuedAtMs < (revokedBefore ?? 0)) throw invalid('token revoked by a revoke-all');
    // Stryker disable next-line ConditionalExpression,EqualityOperator,StringLiteral,CallExpression: jose has just refused the same expiry (the JWS's exp) on the same clock; only a read straddling that second could tell.
    if (record.expiresAt <= Math.floor(this.#now() / 1000)) throw new XucError('TokenExpired');
    return { record, user };
  }
}
