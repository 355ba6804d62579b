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
import {
  BatchGetTokenStateReader,
  type StateReadOptions,
  type TokenStateReader,
  type TokenStateWithUser,
} from './token-state-reader.ts';
import {
  revokeAllMarkKey as markKey,
  sessionCountKey,
  sessionKey,
  sessionOf,
  type TokenRecord,
} from './token-record.ts';

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
  /** Revokes a token of `login` and ends its session; resolves false when the login has no such token. */
  revoke(tokenId: string, login: string, nowSeconds: number): Promise<boolean>;
  /** Which of these sessions have been ended. */
  endedSessions(sessionIds: string[]): Promise<Set<string>>;
  /** Counts one more session of `login` unless `max` are already counted; resolves whether it did. */
  countSession(login: string, max: number): Promise<boolean>;
  /** Sets the login's count to `count` if it stands at `max` or more; resolves whether it did. */
  recountSessions(login: string, count: number, max: number): Promise<boolean>;
}

/** A session's end is kept longer than any session lasts (TOKEN_MAX_TTL is at most a year). */
const SESSION_END_RETENTION_SECONDS = 366 * 86_400;
/** BatchGetItem's limit of keys per request. */
const BATCH_KEYS = 100;

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

  readState(tokenId: string, login: string, also?: StateReadOptions): Promise<TokenStateWithUser> {
    return this.#states.readState(tokenId, login, also);
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
    let record: TokenRecord | undefined;
    const revoked = await conditionalWrite(async () => {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { tokenId },
          UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
          ConditionExpression: 'login = :login',
          ExpressionAttributeValues: { ':login': login, ':now': nowSeconds },
          ReturnValues: 'ALL_NEW',
        }),
      );
      record = out.Attributes as TokenRecord | undefined;
    });
    // Only a token of that login ends a session and is announced: nobody can push other ids into the feed.
    if (!revoked || !record) return false;
    const sessionId = sessionOf(record);
    await dynamoCall(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: sessionKey(sessionId),
          UpdateExpression: 'SET endedAt = if_not_exists(endedAt, :now), expiresAt = :expiresAt',
          ExpressionAttributeValues: { ':now': nowSeconds, ':expiresAt': nowSeconds + SESSION_END_RETENTION_SECONDS },
        }),
      ),
    );
    await this.feed?.publish({ sessionId });
    return true;
  }

  countSession(login: string, max: number): Promise<boolean> {
    return conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: sessionCountKey(login),
          UpdateExpression: 'ADD opened :one',
          ConditionExpression: 'attribute_not_exists(opened) OR opened < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': max },
        }),
      ),
    );
  }

  recountSessions(login: string, count: number, max: number): Promise<boolean> {
    // Only the count that made a caller recount is replaced: two recounts never both apply.
    return conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: sessionCountKey(login),
          UpdateExpression: 'SET opened = :count',
          ConditionExpression: 'opened >= :max',
          ExpressionAttributeValues: { ':count': count, ':max': max },
        }),
      ),
    );
  }

  async endedSessions(sessionIds: string[]): Promise<Set<string>> {
    const ids = [...new Set(sessionIds)];
    const ended = new Set<string>();
    for (let i = 0; i < ids.length; i += BATCH_KEYS) {
      const batch = new Map(ids.slice(i, i + BATCH_KEYS).map((id) => [sessionKey(id).tokenId, id]));
      const keys = [...batch.keys()].map((tokenId) => ({ tokenId }));
      const items =
        (await dynamoCall(() => documentBatchGet(this.db)({ [this.table]: { Keys: keys } })))[this.table] ?? [];
      for (const item of items) {
        const id = batch.get(String(item.tokenId));
        if (id !== undefined && item.endedAt !== undefined) ended.add(id);
      }
    }
    return ended;
  }
}
