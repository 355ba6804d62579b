import {
  DeleteCommand,
  GetCommand,
  paginateScan,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { allItems, conditionalWrite, dynamoCall } from '../clients/dynamo-calls.ts';

/** A XiVO user as far as authentication is concerned. */
export interface User {
  login: string;
  /** scrypt PHC string; absent for users who only log in through an external identity. */
  passwordHash?: string;
  ctiLoginEnabled: boolean;
  profile?: string;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** The OpenID Connect subject (`sub`) bound to this login at its first OIDC exchange. */
  oidcSubject?: string;
  /** The person's names, as XiVO knows them (users import); for the administrators, never for a decision. */
  firstname?: string;
  lastname?: string;
}

/**
 * What an import may change of an existing user, in one write: a value sets the attribute, `null`
 * removes it, an absent key leaves it as it is.
 */
export interface UserChanges {
  profile?: string | null;
  ctiLoginEnabled?: boolean;
  firstname?: string | null;
  lastname?: string | null;
  passwordHash?: string;
}

/** XiVO's rule: only users with CTI login enabled and a profile may log in, and never disabled ones. */
export function mayLogIn(user: User | undefined): user is User {
  return Boolean(user && user.ctiLoginEnabled && user.profile && !user.disabled);
}

export interface UserStore {
  get(login: string): Promise<User | undefined>;
  /** Creates the user; resolves false when the login is taken. */
  create(user: User): Promise<boolean>;
  list(): Promise<User[]>;
  /** Resolves false when there is no such user. */
  setDisabled(login: string, disabled: boolean, now: Date): Promise<boolean>;
  /** Resolves false when there was no such user. */
  remove(login: string): Promise<boolean>;
  /** Sets a new password hash; resolves false when there was no such user. */
  setPasswordHash(login: string, hash: string, now: Date): Promise<boolean>;
  /** Binds an OpenID Connect subject to the login unless another one is; resolves whether `subject` is now the bound one. */
  bindOidcSubject(login: string, subject: string, now: Date): Promise<boolean>;
  /** Forgets the login's OpenID Connect subject; resolves false when there was no such user. */
  unbindOidcSubject(login: string, now: Date): Promise<boolean>;
  /** Replaces the hash only if it is still `previousHash`, so a concurrent password change wins. */
  replacePasswordHash(login: string, previousHash: string, nextHash: string, now: Date): Promise<void>;
  /**
   * Applies `changes` in one write, only if the user is still as last read (its `updatedAt` is
   * `readUpdatedAt`); resolves false otherwise, so that a concurrent change is never overwritten.
   */
  update(login: string, changes: UserChanges, readUpdatedAt: string, now: Date): Promise<boolean>;
}

/** The user store in a DynamoDB table keyed by `login`. */
export class DynamoUserStore implements UserStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(login: string): Promise<User | undefined> {
    const out = await dynamoCall(() =>
      this.db.send(new GetCommand({ TableName: this.table, Key: { login }, ConsistentRead: true })),
    );
    return out.Item as User | undefined;
  }

  async create(user: User): Promise<boolean> {
    return conditionalWrite(() =>
      this.db.send(
        new PutCommand({ TableName: this.table, Item: user, ConditionExpression: 'attribute_not_exists(login)' }),
      ),
    );
  }

  async list(): Promise<User[]> {
    const users = await allItems<User>(paginateScan({ client: this.db }, { TableName: this.table }));
    return users.sort((a, b) => a.login.localeCompare(b.login));
  }

  async setDisabled(login: string, disabled: boolean, now: Date): Promise<boolean> {
    return conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { login },
          UpdateExpression: 'SET disabled = :disabled, updatedAt = :now',
          ConditionExpression: 'attribute_exists(login)',
          ExpressionAttributeValues: { ':disabled': disabled, ':now': now.toISOString() },
        }),
      ),
    );
  }

  async setPasswordHash(login: string, hash: string, now: Date): Promise<boolean> {
    return conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { login },
          UpdateExpression: 'SET passwordHash = :hash, updatedAt = :now',
          ConditionExpression: 'attribute_exists(login)',
          ExpressionAttributeValues: { ':hash': hash, ':now': now.toISOString() },
        }),
      ),
    );
  }

  bindOidcSubject(login: string, subject: string, now: Date): Promise<boolean> {
    return conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { login },
          UpdateExpression: 'SET oidcSubject = :subject, updatedAt = :now',
          // Concurrent first exchanges with two subjects: one binds, the other is refused.
          ConditionExpression:
            'attribute_exists(login) AND (attribute_not_exists(oidcSubject) OR oidcSubject = :subject)',
          ExpressionAttributeValues: { ':subject': subject, ':now': now.toISOString() },
        }),
      ),
    );
  }

  unbindOidcSubject(login: string, now: Date): Promise<boolean> {
    return conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { login },
          UpdateExpression: 'REMOVE oidcSubject SET updatedAt = :now',
          ConditionExpression: 'attribute_exists(login)',
          ExpressionAttributeValues: { ':now': now.toISOString() },
        }),
      ),
    );
  }

  async remove(login: string): Promise<boolean> {
    return conditionalWrite(() =>
      this.db.send(
        new DeleteCommand({ TableName: this.table, Key: { login }, ConditionExpression: 'attribute_exists(login)' }),
      ),
    );
  }

  async replacePasswordHash(login: string, previousHash: string, nextHash: string, now: Date): Promise<void> {
    await conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { login },
          UpdateExpression: 'SET passwordHash = :next, updatedAt = :now',
          ConditionExpression: 'passwordHash = :previous',
          ExpressionAttributeValues: { ':next': nextHash, ':previous': previousHash, ':now': now.toISOString() },
        }),
      ),
    );
  }

  update(login: string, changes: UserChanges, readUpdatedAt: string, now: Date): Promise<boolean> {
    const set = ['updatedAt = :now'];
    const remove: string[] = [];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':now': now.toISOString(), ':read': readUpdatedAt };
    for (const [key, value] of Object.entries(changes) as [keyof UserChanges, unknown][]) {
      if (value === undefined) continue;
      names[`#${key}`] = key;
      if (value === null) remove.push(`#${key}`);
      else {
        set.push(`#${key} = :${key}`);
        values[`:${key}`] = value;
      }
    }
    return conditionalWrite(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { login },
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'updatedAt = :read',
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }
}
