import { unavailable } from '../errors.ts';
import type { User } from '../users/user-store.ts';
import { revokeAllMarkKey, type TokenRecord, type TokenState } from './token-record.ts';

/** A DynamoDB item as plain JavaScript values. */
export type Item = Record<string, unknown>;

/**
 * DynamoDB's BatchGetItem with consistent reads, through whichever client the function carries:
 * the items found, by table. An adapter rejects when DynamoDB leaves keys unprocessed, so that a
 * missing item always means an absent one.
 */
export type BatchGetItems = (requestItems: Record<string, { Keys: Item[] }>) => Promise<Record<string, Item[]>>;

/** A token's state, and its login's user when it was asked for. */
export type TokenStateWithUser = TokenState & { user?: User };

/** Reads what a token verification needs. */
export interface TokenStateReader {
  /**
   * The record of `tokenId` and the revoke-all mark of `login`, in one read; with `usersTable`,
   * the login's user too, in the same read.
   */
  readState(tokenId: string, login: string, usersTable?: string): Promise<TokenStateWithUser>;
}

/** Token states read from the tokens table: one BatchGetItem round trip each. */
export class BatchGetTokenStateReader implements TokenStateReader {
  constructor(
    private readonly batchGet: BatchGetItems,
    private readonly table: string,
  ) {}

  async readState(tokenId: string, login: string, usersTable?: string): Promise<TokenStateWithUser> {
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
    const user = usersTable ? (responses[usersTable]?.[0] as User | undefined) : undefined;
    return {
      ...(record && record.login === login ? { record } : {}),
      ...(revokedBefore !== undefined ? { revokedBefore } : {}),
      ...(user ? { user } : {}),
    };
  }
}
