import { randomInt } from 'node:crypto';
import type { BatchGetItems } from '../tokens/token-state-reader.ts';
import { FEED_SHARDS, feedBucket, feedKey } from '../tokens/revocation-feed-layout.ts';

/** What a read of the feed found: session id prefixes and logins whose cached tokens must go. */
export interface Revoked {
  sessionIdPrefixes: Set<string>;
  logins: Set<string>;
}

/** What the view acts on: the authorizer's cache of verified tokens. */
export interface RevocableCache {
  evict(revoked: Revoked): void;
  clear(): void;
}

/** Clocks of Lambda hosts agree far better than this; buckets this close to a read's span are read too. */
const CLOCK_SKEW_MS = 200;
/** Past this many windows without a read, dropping the cache is cheaper than reading the feed back. */
const MAX_GAP_WINDOWS = 8;

/**
 * An authorizer container's view of the revocation feed (`RevocationFeed`). A cached decision
 * may be used only while the view is fresh: its last read began less than one window ago, so it
 * holds every revocation that returned more than a window ago. Reads happen only when a cached
 * token is presented and the view is older than that: at most one a window while the container
 * serves, none while it is idle (a long idle gap drops the cache instead). A failed read leaves
 * the view stale, so cached decisions stop being used (verification from the record still
 * works), and is not retried for a window.
 */
export class RevocationView {
  #asOf: number;
  #retryAt = 0;
  #reading: Promise<boolean> | undefined;

  constructor(
    private readonly batchGet: BatchGetItems,
    private readonly table: string,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly shard: number = randomInt(FEED_SHARDS),
  ) {
    // A new container caches nothing yet: there is nothing it could have missed.
    this.#asOf = now();
  }

  /** Resolves true once `cache` holds no token revoked more than a window ago; false when that cannot be confirmed. */
  confirm(cache: RevocableCache): Promise<boolean> | boolean {
    const now = this.now();
    if (now - this.#asOf < this.windowMs) return true;
    if (now - this.#asOf > MAX_GAP_WINDOWS * this.windowMs) {
      cache.clear();
      this.#asOf = now;
      return true;
    }
    if (now < this.#retryAt) return false;
    this.#reading ??= this.#read(cache).finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #read(cache: RevocableCache): Promise<boolean> {
    const startedAt = this.now();
    const first = feedBucket(this.#asOf - CLOCK_SKEW_MS, this.windowMs);
    const last = feedBucket(startedAt + CLOCK_SKEW_MS, this.windowMs);
    const keys = Array.from({ length: last - first + 1 }, (_, i) => feedKey(first + i, this.shard));
    try {
      // Stryker disable next-line ArrayDeclaration: an item made up in place of none holds no `revoked` set, so nothing to drop either.
      const items = (await this.batchGet({ [this.table]: { Keys: keys } }))[this.table] ?? [];
      const revoked: Revoked = { sessionIdPrefixes: new Set(), logins: new Set() };
      // Stryker disable next-line ArrayDeclaration: an entry made up in place of none is of no kind the loop knows.
      for (const entry of items.flatMap((item) => [...((item.revoked as Iterable<string> | undefined) ?? [])])) {
        if (entry.startsWith('s:')) revoked.sessionIdPrefixes.add(entry.slice(2));
        else if (entry.startsWith('u:')) revoked.logins.add(entry.slice(2));
      }
      if (revoked.sessionIdPrefixes.size > 0 || revoked.logins.size > 0) cache.evict(revoked);
      this.#asOf = startedAt;
      return true;
    } catch {
      this.#retryAt = startedAt + this.windowMs;
      return false;
    }
  }
}
