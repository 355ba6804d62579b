// The revocation feed's layout, shared by its writer (RevocationFeed) and its readers (the
// authorizer's RevocationView), with no SDK in it: the authorizer's bundle stays lean.

/**
 * Copies of every bucket of the feed. Each authorizer container reads one copy, chosen at
 * random when it starts, so that no item is read by every container: at 10,000 containers and
 * one read a second each, one copy takes ~625 reads a second, a fifth of what a DynamoDB
 * partition serves. Revocations are rare; writing each one 16 times is the cheap side.
 */
export const FEED_SHARDS = 16;

/** A bucket outlives by far the few windows a reader ever looks back; TTL deletes it later. */
export const FEED_RETENTION_SECONDS = 3600;

/** Session ids are random UUIDs: 12 hex digits name one in practice, and a collision only costs a cache miss. */
const SESSION_ID_PREFIX_LENGTH = 12;

/** What a revoking call announces: a session ended (every token of it), or every token of a login issued so far. */
export type Revocation = { sessionId: string } | { login: string };

/** The feed's entry for a revocation, as the bucket's string set holds it. */
export const feedEntry = (revocation: Revocation): string =>
  'sessionId' in revocation ? `s:${feedSessionIdPrefix(revocation.sessionId)}` : `u:${revocation.login}`;

/** Readers compare cached tokens by their session id's prefix, as the feed holds it. */
export const feedSessionIdPrefix = (sessionId: string): string => sessionId.slice(0, SESSION_ID_PREFIX_LENGTH);

/** The key of one copy of one time bucket, in the tokens table (no `login`: not in its index, never listed). */
export const feedKey = (bucket: number, shard: number) => ({ tokenId: `revocations#${bucket}#${shard}` });

/** The bucket a moment falls in: buckets are one revocation window long. */
export const feedBucket = (ms: number, windowMs: number): number => Math.floor(ms / windowMs);
