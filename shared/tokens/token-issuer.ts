import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKeys } from '../secrets/signing-keys.ts';
import type { AuthMethod, TokenRecord } from './token-record.ts';
import type { TokenStore } from './token-store.ts';

/** `amr` values (RFC 8176 where one is registered). */
const AMR: Record<AuthMethod, string> = { password: 'pwd', kerberos: 'kerberos', cas: 'cas', oidc: 'oidc' };

export interface IssueRequest {
  login: string;
  method: AuthMethod;
  /** Requested lifetime in seconds, capped at the configured maximum. */
  expiration?: number | undefined;
  softwareType?: string | undefined;
  applicationType?: string | undefined;
  attributes?: Record<string, string[]> | undefined;
}

export interface IssuedToken {
  token: string;
  /** Lifetime in seconds. */
  ttl: number;
  record: TokenRecord;
}

export interface TokenIssuerOptions {
  keys: SigningKeys;
  store: TokenStore;
  tokenTtl: number;
  tokenMaxTtl: number;
  /** Clock in milliseconds; injectable for expiry tests. */
  now?: () => number;
}

/**
 * Issues Xuc tokens: compact JWS (HS256) whose `kid` is the signing key's secret version, with
 * `sub`, `jti`, `iat`, `exp` and `amr`, each recorded under its `jti`.
 */
export class TokenIssuer {
  readonly #options: TokenIssuerOptions;
  readonly #now: () => number;

  constructor(options: TokenIssuerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async issue(request: IssueRequest): Promise<IssuedToken> {
    const ttl = Math.min(request.expiration ?? this.#options.tokenTtl, this.#options.tokenMaxTtl);
    const issuedAtMs = this.#now();
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
    const { kid, key } = await this.#options.keys.current();
    const token = await new SignJWT({ amr: [AMR[request.method]] })
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
      .setSubject(record.login)
      .setJti(record.tokenId)
      .setIssuedAt(record.issuedAt)
      .setExpirationTime(record.expiresAt)
      .sign(key);
    // Recorded only once signed: a signing failure leaves nothing behind.
    await this.#options.store.put(record);
    return { token, ttl, record };
  }
}
