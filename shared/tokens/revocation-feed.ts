import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoCall } from '../clients/dynamo-calls.ts';

/**
 * Copies of every bucket of the feed. Each authorizer container reads one copy, chosen at
 * random when it starts, so that no item is read by every container: at 10,000 containers and
 * one read a second each, one copy takes ~625 reads a second, a fifth of what a DynamoDB
 * partition serves. Revocations are rare; writing each one 16 times is the cheap side.
 */
export const FEED_SHARDS = 16;

/** A bucket outlives by far the few windows a reader ever looks back; TTL deletes it later. */
const RETENTION_SECONDS = 3600;

/** Token ids are random UUIDs: 12 hex digits name one in practice, and a collision only costs a cache miss. */
const TOKEN_ID_PREFIX_LENGTH = 12;

/** What a revoking call announces: one token, or every token of a login issued so far. */
export type Revocation = { tokenId: string } | { login: string };

/** The feed's entry for a revocation, as the bucket's string set holds it. */
export const feedEntry = (revocation: Revocation): string =>
  'tokenId' in revocation ? `t:${revocation.tokenId.slice(0, TOKEN_ID_PREFIX_LENGTH)}` : `u:${revocation.login}`;

/** Readers compare cached tokens by their id's prefix, as the feed holds it. */
export const feedTokenIdPrefix = (tokenId: string): string => tokenId.slice(0, TOKEN_ID_PREFIX_LENGTH);

/** The key of one copy of one time bucket, in the tokens table (no `login`: not in its index, never listed). */
export const feedKey = (bucket: number, shard: number) => ({ tokenId: `revocations#${bucket}#${shard}` });

/** The bucket a moment falls in: buckets are one revocation window long. */
export const feedBucket = (ms: number, windowMs: number): number => Math.floor(ms / windowMs);

/**
 * The revocation feed's writing side: every revoking path publishes here before it returns, so
 * that authorizer containers, which read the feed at least once a window while they serve,
 * drop what they had cached (see `RevocationView`).
 */
export class RevocationFeed {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async publish(revocation: Revocation): Promise<void> {
    const at = this.now();
    const bucket = feedBucket(at, this.windowMs);
    const expiresAt = Math.ceil(at / 1000) + RETENTION_SECONDS;
    const entry = new Set([feedEntry(revocation)]);
    // ADD to a string set: concurrent revocations in one bucket all land.
    await Promise.all(
      Array.from({ length: FEED_SHARDS }, (_, shard) =>
        dynamoCall(() =>
          this.db.send(
            new UpdateCommand({
              TableName: this.table,
              Key: feedKey(bucket, shard),
              UpdateExpression: 'ADD revoked :entry SET expiresAt = :expiresAt',
              ExpressionAttributeValues: { ':entry': entry, ':expiresAt': expiresAt },
            }),
          ),
        ),
      ),
    );
  }
}
