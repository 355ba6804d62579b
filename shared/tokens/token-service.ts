import { randomUUID } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import { XucError } from '../errors.ts';
import type { SigningKeys } from '../secrets/signing-keys.ts';
import type { User } from '../users/user-store.ts';
import type { AuthMethod, TokenRecord, TokenStore } from './token-store.ts';

/** Longer than any token this service issues; anything bigger is refused before parsing. */
export const MAX_TOKEN_LENGTH = 2048;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** `amr` values (RFC 8176 where one is registered). */
const AMR: Record<AuthMethod, string> = { password: 'pwd', kerberos: 'kerberos', cas: 'cas', oidc: 'oidc' };

export interface IssueRequest {
  login: string;
  method: AuthMethod;
  /** Requested lifetime in seconds, capped at the configured maximum. */
  expiration?: number;
  softwareType?: string;
  applicationType?: string;
  attributes?: Record<string, string[]>;
}

export interface IssuedToken {
  token: string;
  /** Lifetime in seconds. */
  ttl: number;
  record: TokenRecord;
}

export interface TokenServiceOptions {
  keys: SigningKeys;
  store: TokenStore;
  tokenTtl: number;
  tokenMaxTtl: number;
  /** Clock in milliseconds; injectable for expiry tests. */
  now?: () => number;
}

const invalid = (reason: string, cause?: unknown): XucError =>
  new XucError('InvalidToken', { cause: new Error(reason, { cause }) });

/**
 * Issues and verifies Xuc tokens: compact JWS (HS256) whose `kid` is the signing key's secret
 * version, with `sub`, `jti`, `iat`, `exp` and `amr`. Each issued token is recorded under its
 * `jti`; a token is valid while its signature, expiry and record (present, not revoked) all hold.
 */
export class TokenService {
  private readonly now: () => number;

  constructor(private readonly options: TokenServiceOptions) {
    this.now = options.now ?? Date.now;
  }

  async issue(request: IssueRequest): Promise<IssuedToken> {
    const ttl = Math.min(request.expiration ?? this.options.tokenTtl, this.options.tokenMaxTtl);
    const issuedAtMs = this.now();
    const issuedAt = Math.floor(issuedAtMs / 1000);
    const record: TokenRecord = {
      tokenId: randomUUID(),
      login: request.login,
      method: request.method,
      issuedAt,
      issuedAtMs,
      expiresAt: issuedAt + ttl,
      ...(request.softwareType ? { softwareType: request.softwareType } : {}),
      ...(request.applicationType ? { applicationType: request.applicationType } : {}),
      ...(request.attributes && Object.keys(request.attributes).length > 0 ? { attributes: request.attributes } : {}),
    };
    const { kid, key } = await this.options.keys.current();
    const token = await new SignJWT({ amr: [AMR[request.method]] })
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
      .setSubject(record.login)
      .setJti(record.tokenId)
      .setIssuedAt(record.issuedAt)
      .setExpirationTime(record.expiresAt)
      .sign(key);
    // Recorded only once signed: a signing failure leaves nothing behind.
    await this.options.store.put(record);
    return { token, ttl, record };
  }

  /** Reads the signing keys into the cache, so that a later verification needs no Secrets Manager call. */
  async warm(): Promise<void> {
    await this.options.keys.current();
  }

  /**
   * Checks signature and expiry without touching the token store: the cheap half of
   * `verify`, run first so that forged or expired tokens cost no I/O.
   */
  private async verifySignature(token: string): Promise<{ tokenId: string; login: string }> {
    if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) throw invalid('not a compact JWS');
    let kid: unknown;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch (error) {
      throw invalid('unreadable header', error);
    }
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 128) throw invalid('no usable kid');
    const key = await this.options.keys.forKid(kid);
    if (!key) throw invalid('unknown signing key version');
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'jti', 'iat', 'exp'],
        currentDate: new Date(this.now()),
      });
      return { tokenId: payload.jti as string, login: payload.sub as string };
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
    return { record, ...(user ? { user: user as unknown as User } : {}) };
  }

  private async check(token: string, usersTable?: string) {
    const { tokenId, login } = await this.verifySignature(token);
    const { record, revokedBefore, user } = await this.options.store.lookup(tokenId, login, usersTable);
    if (!record) throw invalid('no record for token');
    if (record.revokedAt !== undefined) throw invalid('token revoked');
    if (revokedBefore !== undefined && record.issuedAtMs < revokedBefore) throw invalid('token revoked by a revoke-all');
    if (record.expiresAt <= Math.floor(this.now() / 1000)) throw new XucError('TokenExpired');
    return { record, user };
  }
}
