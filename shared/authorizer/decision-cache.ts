import { feedSessionIdPrefix } from '../tokens/revocation-feed-layout.ts';
import { sessionOf, type TokenRecord } from '../tokens/token-record.ts';
import type { RevocableCache, Revoked, RevocationView } from './revocation-view.ts';

/**
 * Xuc tokens the authorizer verified recently, keyed by the exact token string: a byte-identical
 * token carries the same, already checked, signature, so a hit skips both the HMAC and the
 * DynamoDB read. An entry lives at most `ttlMs` (AUTHORIZER_CACHE_TTL: how often a token's
 * record is read again) and never past the token's own expiry. With a `RevocationView`, a hit
 * counts only while the view is fresh, so that a revocation reaches every container within one
 * revocation window. The cache is bounded; the oldest entries go first.
 */
export class DecisionCache implements RevocableCache {
  readonly #entries = new Map<string, { record: TokenRecord; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
    private readonly revocations?: RevocationView,
  ) {}

  /** The cached record of `token`, unless it has expired, has been revoked, or revocations cannot be confirmed. */
  async get(token: string): Promise<TokenRecord | undefined> {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.#entries.delete(token);
      return undefined;
    }
    if (this.revocations && !(await this.revocations.confirm(this))) return undefined;
    return this.#entries.get(token)?.record;
  }

  set(token: string, record: TokenRecord): void {
    if (this.ttlMs <= 0) return;
    const until = Math.min(this.now() + this.ttlMs, record.expiresAt * 1000);
    this.#entries.delete(token);
    this.#entries.set(token, { record, until });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      // Stryker disable next-line ConditionalExpression: past the bound there is always an oldest entry; the check only satisfies the types.
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  evict({ sessionIdPrefixes, logins }: Revoked): void {
    for (const [token, { record }] of this.#entries) {
      if (logins.has(record.login) || sessionIdPrefixes.has(feedSessionIdPrefix(sessionOf(record))))
        this.#entries.delete(token);
    }
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
