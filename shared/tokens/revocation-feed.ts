import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoCall } from '../clients/dynamo-calls.ts';
import {
  FEED_RETENTION_SECONDS,
  FEED_SHARDS,
  feedBucket,
  feedEntry,
  feedKey,
  type Revocation,
} from './revocation-feed-layout.ts';

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
    const expiresAt = Math.ceil(at / 1000) + FEED_RETENTION_SECONDS;
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
