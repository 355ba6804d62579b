import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { conditionalWrite, dynamoCall } from '../clients/dynamo-calls.ts';

/** How a token was obtained; also its `amr` claim. */
export type AuthMethod = 'password' | 'kerberos' | 'cas' | 'oidc';

/** What is recorded of an issued token: never the token itself. */
export interface TokenRecord {
  tokenId: string;
  login: string;
  method: AuthMethod;
  /** Epoch seconds. */
  issuedAt: number;
  /** Epoch milliseconds, to order the token against a revoke-all. */
  issuedAtMs: number;
  /** Epoch seconds; also the table's TTL attribute. */
  expiresAt: number;
  softwareType?: string;
  applicationType?: string;
  /** What the identity provider said of the user (e.g. CAS attributes), kept for audit. */
  attributes?: Record<string, string[]>;
  /** Epoch seconds; set once the token is revoked. */
  revokedAt?: number;
}

/** A token record as seen at one moment, with the login's revoke-all mark if there is one. */
export interface TokenLookup {
  record?: TokenRecord;
  /** Epoch milliseconds: every token of the login issued before it is revoked. */
  revokedBefore?: number;
}

export function isLive(lookup: TokenLookup, nowSeconds: number): lookup is TokenLookup & { record: TokenRecord } {
  const { record, revokedBefore } = lookup;
  return (
    record !== undefined &&
    record.revokedAt === undefined &&
    record.expiresAt > nowSeconds &&
    (revokedBefore === undefined || record.issuedAtMs >= revokedBefore)
  );
}

export interface TokenStore {
  put(record: TokenRecord): Promise<void>;
  /**
   * The record of `tokenId` and the revoke-all mark of `login`, in one read; with `usersTable`,
   * the login's user item too, in the same read.
   */
  lookup(tokenId: string, login: string, usersTable?: string): Promise<TokenLookup & { user?: Record<string, unknown> }>;
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

// The revoke-all mark shares the table, under a key no token id (a UUID) can take, and carries no
// `login` attribute, so it stays out of the byLogin index.
const markKey = (login: string) => ({ tokenId: `revoked-before#${login}` });

/**
 * Token records in a DynamoDB table keyed by `tokenId`, with a `byLogin` index
 * (login, issuedAt) and `expiresAt` as the TTL attribute. TTL deletion is lazy, so readers
 * always compare `expiresAt` with the clock themselves.
 */
export class DynamoTokenStore implements TokenStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(record: TokenRecord): Promise<void> {
    await dynamoCall(() =>
      this.db.send(
        new PutCommand({ TableName: this.table, Item: record, ConditionExpression: 'attribute_not_exists(tokenId)' }),
      ),
    );
  }

  async lookup(tokenId: string, login: string, usersTable?: string): Promise<TokenLookup & { user?: Record<string, unknown> }> {
    const out = await dynamoCall(() =>
      this.db.send(
        new BatchGetCommand({
          RequestItems: {
            [this.table]: { Keys: [{ tokenId }, markKey(login)], ConsistentRead: true },
            ...(usersTable ? { [usersTable]: { Keys: [{ login }], ConsistentRead: true } } : {}),
          },
        }),
      ),
    );
    const items = out.Responses?.[this.table] ?? [];
    const user = usersTable ? out.Responses?.[usersTable]?.[0] : undefined;
    const record = items.find((item) => item.tokenId === tokenId) as TokenRecord | undefined;
    const mark = items.find((item) => item.tokenId === markKey(login).tokenId) as { revokedBefore?: number } | undefined;
    return {
      ...(record && record.login === login ? { record } : {}),
      ...(mark?.revokedBefore !== undefined ? { revokedBefore: mark.revokedBefore } : {}),
      ...(user ? { user } : {}),
    };
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
  }

  async listAll(): Promise<TokenRecord[]> {
    const records: TokenRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall(() =>
        this.db.send(new ScanCommand({ TableName: this.table, ExclusiveStartKey: start, FilterExpression: 'attribute_exists(login)' })),
      );
      records.push(...((out.Items ?? []) as TokenRecord[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return records;
  }

  async listByLogin(login: string): Promise<TokenRecord[]> {
    const records: TokenRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await dynamoCall(() =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: TOKENS_BY_LOGIN_INDEX,
            KeyConditionExpression: 'login = :login',
            ExpressionAttributeValues: { ':login': login },
            ScanIndexForward: false,
            ExclusiveStartKey: start,
          }),
        ),
      );
      records.push(...((out.Items ?? []) as TokenRecord[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return records;
  }

  revoke(tokenId: string, login: string, nowSeconds: number): Promise<boolean> {
    return conditionalWrite(() =>
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
  }
}
