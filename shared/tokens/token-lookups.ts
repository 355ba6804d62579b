import { unavailable } from '../errors.ts';
import { revokeAllMarkKey, type TokenLookup, type TokenRecord } from './token-record.ts';

/** A DynamoDB item as plain JavaScript values. */
export type Item = Record<string, unknown>;

/**
 * DynamoDB's BatchGetItem with consistent reads, through whichever client the function carries:
 * the items found, by table. An adapter rejects when DynamoDB leaves keys unprocessed, so that a
 * missing item always means an absent one.
 */
export type BatchGetItems = (requestItems: Record<string, { Keys: Item[] }>) => Promise<Record<string, Item[]>>;

export type UserTokenLookup = TokenLookup & { user?: Item };

/** Reads what a token verification needs. */
export interface TokenRecordReader {
  /**
   * The record of `tokenId` and the revoke-all mark of `login`, in one read; with `usersTable`,
   * the login's user item too, in the same read.
   */
  lookup(tokenId: string, login: string, usersTable?: string): Promise<UserTokenLookup>;
}

/** Token lookups in the tokens table: one BatchGetItem round trip each. */
export class TokenLookups implements TokenRecordReader {
  constructor(
    private readonly batchGet: BatchGetItems,
    private readonly table: string,
  ) {}

  async lookup(tokenId: string, login: string, usersTable?: string): Promise<UserTokenLookup> {
    const mark = revokeAllMarkKey(login);
    let responses: Record<string, Item[]>;
    try {
      responses = await this.batchGet({
        [this.table]: { Keys: [{ tokenId }, mark] },
        ...(usersTable ? { [usersTable]: { Keys: [{ login }] } } : {}),
      });
    } catch (error) {
      throw unavailable('DynamoDB', error);
    }
    const items = responses[this.table] ?? [];
    const record = items.find((item) => item.tokenId === tokenId) as TokenRecord | undefined;
    const revokedBefore = items.find((item) => item.tokenId === mark.tokenId)?.revokedBefore as number | undefined;
    const user = usersTable ? responses[usersTable]?.[0] : undefined;
    return {
      ...(record && record.login === login ? { record } : {}),
      ...(revokedBefore !== undefined ? { revokedBefore } : {}),
      ...(user ? { user } : {}),
    };
  }
}
