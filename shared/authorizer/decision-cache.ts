import type { TokenRecord } from '../tokens/token-record.ts';

/**
 * Xuc tokens the authorizer verified recently, keyed by the exact token string: a byte-identical
 * token carries the same, already checked, signature, so a hit skips both the HMAC and the
 * DynamoDB read. An entry lives at most `ttlMs` — the documented revocation window
 * (AUTHORIZER_CACHE_TTL) — and never past the token's own expiry. The cache is bounded; the
 * oldest entries go first.
 */
export class DecisionCache {
  readonly #entries = new Map<string, { record: TokenRecord; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(token: string): TokenRecord | undefined {
    const entry = this.#entries.get(token);
    if (!entry) return undefined;
    if (entry.until <= this.now()) {
      this.#entries.delete(token);
      return undefined;
    }
    return entry.record;
  }

  set(token: string, record: TokenRecord): void {
    if (this.ttlMs <= 0) return;
    const until = Math.min(this.now() + this.ttlMs, record.expiresAt * 1000);
    this.#entries.delete(token);
    this.#entries.set(token, { record, until });
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
