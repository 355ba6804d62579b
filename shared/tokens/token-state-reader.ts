import { unavailable } from '../errors.ts';
import type { User } from '../users/user-store.ts';
import { revokeAllMarkKey, sessionKey, type TokenRecord, type TokenState } from './token-record.ts';

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

/** What else a state read takes in the same round trip. */
export interface StateReadOptions {
  /** The token's session, as its `sid` claim names it; the token's own id by default. */
  sessionId?: string | undefined;
  /** The users table, to read the login's user too. */
  usersTable?: string | undefined;
}

/** Reads what a token verification needs. */
export interface TokenStateReader {
  /**
   * The record of `tokenId`, the revoke-all mark of `login` and the end of session `sessionId`
   * (the token's own id when it names none), in one read; with `usersTable`, the login's user
   * too, in the same read.
   */
  readState(tokenId: string, login: string, also?: StateReadOptions): Promise<TokenStateWithUser>;
}

/** Token states read from the tokens table: one BatchGetItem round trip each. */
export class BatchGetTokenStateReader implements TokenStateReader {
  constructor(
    private readonly batchGet: BatchGetItems,
    private readonly table: string,
  ) {}

  async readState(
    tokenId: string,
    login: string,
    { sessionId = tokenId, usersTable }: StateReadOptions = {},
  ): Promise<TokenStateWithUser> {
    const mark = revokeAllMarkKey(login);
    const session = sessionKey(sessionId);
    let responses: Record<string, Item[]>;
    try {
      responses = await this.batchGet({
        [this.table]: { Keys: [{ tokenId }, mark, session] },
        ...(usersTable ? { [usersTable]: { Keys: [{ login }] } } : {}),
      });
    } catch (error) {
      throw unavailable('DynamoDB', error);
    }
    const items = responses[this.table] ?? [];
    const record = items.find((item) => item.tokenId === tokenId) as TokenRecord | undefined;
    const revokedBefore = items.find((item) => item.tokenId === mark.tokenId)?.revokedBefore as number | undefined;
    const sessionEndedAt = items.find((item) => item.tokenId === session.tokenId)?.endedAt as number | undefined;
    const user = usersTable ? (responses[usersTable]?.[0] as User | undefined) : undefined;
    return {
      ...(record && record.login === login ? { record } : {}),
      ...(revokedBefore !== undefined ? { revokedBefore } : {}),
      ...(sessionEndedAt !== undefined ? { sessionEndedAt } : {}),
      ...(user ? { user } : {}),
    };
  }
}
