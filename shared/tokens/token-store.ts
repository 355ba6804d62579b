import {
  GetCommand,
  paginateQuery,
  paginateScan,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { documentBatchGet } from '../clients/aws.ts';
import { allItems, conditionalWrite, dynamoCall } from '../clients/dynamo-calls.ts';
import type { RevocationFeed } from './revocation-feed.ts';
import { BatchGetTokenStateReader, type TokenStateReader, type TokenStateWithUser } from './token-state-reader.ts';
import { revokeAllMarkKey as markKey, type TokenRecord } from './token-record.ts';

export interface TokenStore extends TokenStateReader {
  put(record: TokenRecord): Promise<void>;
  get(tokenId: string): Promise<TokenRecord | undefined>;
  /** Every record of every login (for operators), live or not. */
  listAll(): Promise<TokenRecord[]>;
  /** The login's revoke-all mark, if any. */
  revokedBefore(login: string): Promise<number | undefined>;
  /** Revokes every token of `login` issued before `atMs`, including ones still being issued elsewhere. */
  revokeAllBefore(login: string, atMs: number): Promise<void>;
  /** Every record of a login, live or not, newest first. */
  listByLogin(login: string): Promise<TokenRecord[]>;
  /** Revokes a token of `login`; resolves false when it has no such token. */
  revoke(tokenId: string, login: string, nowSeconds: number): Promise<boolean>;
}

const TOKENS_BY_LOGIN_INDEX = 'byLogin';

/**
 * Token records in a DynamoDB table keyed by `tokenId`, with a `byLogin` index
 * (login, issuedAt) and `expiresAt` as the TTL attribute. TTL deletion is lazy, so readers
 * always compare `expiresAt` with the clock themselves.
 */
export class DynamoTokenStore implements TokenStore {
  readonly #states: BatchGetTokenStateReader;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /** Where every revocation is announced to the authorizers' caches. */
    private readonly feed?: RevocationFeed,
  ) {
    this.#states = new BatchGetTokenStateReader(documentBatchGet(db), table);
  }

  async put(record: TokenRecord): Promise<void> {
    await dynamoCall(() =>
      this.db.send(
        new PutCommand({ TableName: this.table, Item: record, ConditionExpression: 'attribute_not_exists(tokenId)' }),
      ),
    );
  }

  readState(tokenId: string, login: string, usersTable?: string): Promise<TokenStateWithUser> {
    return this.#states.readState(tokenId, login, usersTable);
  }

  async get(tokenId: string): Promise<TokenRecord | undefined> {
    const out = await dynamoCall(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: { tokenId }, ConsistentRead: true })),
    );
    return out.Item?.login ? (out.Item as TokenRecord) : undefined;
  }

  async revokedBefore(login: string): Promise<number | undefined> {
    const out = await dynamoCall(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: markKey(login), ConsistentRead: true })),
    );
    return (out.Item as { revokedBefore?: number } | undefined)?.revokedBefore;
  }

  async revokeAllBefore(login: string, atMs: number): Promise<void> {
    // The mark only moves forward, whatever order concurrent revoke-alls land in.
    await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: markKey(login),
          UpdateExpression: 'SET revokedBefore = :at',
          ConditionExpression: 'attribute_not_exists(revokedBefore) OR revokedBefore < :at',
          ExpressionAttributeValues: { ':at': atMs },
        }),
      ),
    );
    await this.feed?.publish({ login });
  }

  listAll(): Promise<TokenRecord[]> {
    return allItems(
      paginateScan({ client: this.db }, { TableName: this.table, FilterExpression: 'attribute_exists(login)' }),
    );
  }

  listByLogin(login: string): Promise<TokenRecord[]> {
    return allItems(
      paginateQuery(
        { client: this.db },
        {
          TableName: this.table,
          IndexName: TOKENS_BY_LOGIN_INDEX,
          KeyConditionExpression: 'login = :login',
          ExpressionAttributeValues: { ':login': login },
          ScanIndexForward: false,
        },
      ),
    );
  }

  async revoke(tokenId: string, login: string, nowSeconds: number): Promise<boolean> {
    const revoked = await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { tokenId },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
          ConditionExpression: 'login = :login',
          ExpressionAttributeValues: { ':login': login, ':now': nowSeconds },
        }),
      ),
    );
    // Announced only for a token of that login: nobody can push other ids into the feed.
    if (revoked) await this.feed?.publish({ tokenId });
    return revoked;
  }
}
