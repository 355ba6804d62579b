import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKeys } from '../secrets/signing-keys.ts';
import { XucError } from '../errors.ts';
import type { SessionCap } from './session-cap.ts';
import { sessionOf, type AuthMethod, type TokenRecord } from './token-record.ts';
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
  /** For a renewal: the session the new token continues (its lifetime and start are kept). */
  session?: Session | undefined;
}

/** A chain of tokens renewed from one exchange: see `TokenRecord.sessionId`. */
export interface Session {
  id: string;
  /** Epoch seconds. */
  startedAt: number;
  /** Lifetime of each of its tokens, seconds. */
  ttl: number;
}

/** The session a token belongs to, as its record has it (a token from before sessions is one of its own). */
export const sessionOfRecord = (record: TokenRecord): Session => ({
  id: sessionOf(record),
  startedAt: record.sessionStartedAt ?? record.issuedAt,
  ttl: record.sessionTtl ?? record.expiresAt - record.issuedAt,
});

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
  /** Bounds the live sessions of each login (MAX_SESSIONS_PER_USER); none when absent. */
  sessionCap?: SessionCap | undefined;
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

  /**
   * A new token: of a new session opened with the requested lifetime, or of `request.session`
   * for a renewal, with that session's lifetime and never past its start + TOKEN_MAX_TTL.
   */
  async issue(request: IssueRequest): Promise<IssuedToken> {
    const { tokenTtl, tokenMaxTtl } = this.#options;
    const issuedAtMs = this.#now();
    const issuedAt = Math.floor(issuedAtMs / 1000);
    const tokenId = randomUUID();
    const session = request.session ?? {
      id: tokenId,
      startedAt: issuedAt,
      ttl: Math.min(request.expiration ?? tokenTtl, tokenMaxTtl),
    };
    const sessionEnd = session.startedAt + tokenMaxTtl;
    if (issuedAt >= sessionEnd) {
      throw new XucError('TokenExpired', { message: 'The session has reached its maximum lifetime: log in again' });
    }
    const expiresAt = Math.min(issuedAt + session.ttl, sessionEnd);
    const record: TokenRecord = {
      tokenId,
      login: request.login,
      method: request.method,
      issuedAt,
      issuedAtMs,
      expiresAt,
      sessionId: session.id,
      sessionStartedAt: session.startedAt,
      sessionTtl: session.ttl,
      ...(request.softwareType ? { softwareType: request.softwareType } : {}),
      ...(request.applicationType ? { applicationType: request.applicationType } : {}),
      ...(request.attributes && Object.keys(request.attributes).length > 0 ? { attributes: request.attributes } : {}),
    };
    const { kid, key } = await this.#options.keys.current();
    const token = await new SignJWT({ amr: [AMR[request.method]], sid: session.id })
      .setProtectedHeader({ alg: 'HS256', kid, typ: 'JWT' })
      .setSubject(record.login)
      .setJti(record.tokenId)
      .setIssuedAt(record.issuedAt)
      .setExpirationTime(record.expiresAt)
      .sign(key);
    // Recorded only once signed: a signing failure leaves nothing behind.
    const put = () => this.#options.store.put(record);
    const { sessionCap } = this.#options;
    await (request.session || !sessionCap ? put() : sessionCap.open(record, put));
    return { token, ttl: expiresAt - issuedAt, record };
  }
}
