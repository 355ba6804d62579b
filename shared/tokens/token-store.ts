import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
  /** Epoch seconds; also the table's TTL attribute. */
  expiresAt: number;
  softwareType?: string;
  applicationType?: string;
  /** What the identity provider said of the user (e.g. CAS attributes), kept for audit. */
  attributes?: Record<string, string[]>;
  /** Epoch seconds; set once the token is revoked. */
  revokedAt?: number;
}

export const isLive = (record: TokenRecord, nowSeconds: number): boolean =>
  record.revokedAt === undefined && record.expiresAt > nowSeconds;

export interface TokenStore {
  put(record: TokenRecord): Promise<void>;
  get(tokenId: string): Promise<TokenRecord | undefined>;
  /** Every record of a login, live or not, newest first. */
  listByLogin(login: string): Promise<TokenRecord[]>;
  /** Revokes a token of `login`; resolves false when it has no such token. */
  revoke(tokenId: string, login: string, nowSeconds: number): Promise<boolean>;
}

export const TOKENS_BY_LOGIN_INDEX = 'byLogin';

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

  async get(tokenId: string): Promise<TokenRecord | undefined> {
    const out = await dynamoCall(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: { tokenId }, ConsistentRead: true })),
    );
    return out.Item as TokenRecord | undefined;
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
