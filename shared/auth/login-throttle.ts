import { BatchGetCommand, BatchWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoCall } from '../clients/dynamo-calls.ts';
import type { Config } from '../config.ts';
import { XucError } from '../errors.ts';

export type ThrottlePolicy = Config['throttle'];

interface AttemptItem {
  key: string;
  failures: number;
  /** Epoch milliseconds of the latest failure. */
  lastFailureAt: number;
}

export interface AttemptState {
  loginFailures: number;
}

/**
 * Brute-force protection of the password login. Failures are counted per login and per source
 * address in fixed windows (the current and the previous one count, so a window boundary does
 * not wipe the slate). Past the limit the key is locked for a back-off that doubles with every
 * further failure; a locked login or address gets 429 `TooManyAttempts` with `Retry-After`,
 * before any password is hashed. A successful login clears its login's count. Counters use
 * DynamoDB's atomic ADD, so concurrent failures are never lost, and expire through TTL.
 */
export class LoginThrottle {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws 429 while `login` or `source` is locked out; otherwise tells how many failures the login has. */
  async check(login: string, source?: string): Promise<AttemptState> {
    const keys = [...this.keys('login', login), ...(source ? this.keys('source', source) : [])];
    const out = await dynamoCall(() =>
      this.db.send(
        new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys.map((key) => ({ key })), ConsistentRead: true } } }),
      ),
    );
    const items = (out.Responses?.[this.table] ?? []) as AttemptItem[];
    const login_ = this.tally(items, 'login', login);
    const source_ = source ? this.tally(items, 'source', source) : { failures: 0, lastFailureAt: 0 };
    const lockedUntil = Math.max(
      this.lockedUntil(login_, this.policy.loginMaxFailures),
      this.lockedUntil(source_, this.policy.sourceMaxFailures),
    );
    const wait = lockedUntil - this.now();
    if (wait > 0) {
      throw new XucError('TooManyAttempts', {
        headers: { 'retry-after': String(Math.ceil(wait / 1000)) },
        cause: new Error(`locked out for ${Math.ceil(wait / 1000)} s`),
      });
    }
    return { loginFailures: login_.failures };
  }

  async recordFailure(login: string, source?: string): Promise<void> {
    const [loginKey] = this.keys('login', login);
    const [sourceKey] = source ? this.keys('source', source) : [];
    await Promise.all([loginKey, sourceKey].filter((key): key is string => Boolean(key)).map((key) => this.increment(key)));
  }

  /** Clears the login's count after a successful login. */
  async recordSuccess(login: string): Promise<void> {
    await dynamoCall(() =>
      this.db.send(
        new BatchWriteCommand({
          RequestItems: { [this.table]: this.keys('login', login).map((key) => ({ DeleteRequest: { Key: { key } } })) },
        }),
      ),
    );
  }

  private increment(key: string): Promise<unknown> {
    const now = this.now();
    const expiresAt = Math.ceil(now / 1000) + 2 * this.policy.windowSeconds + this.policy.backoffMaxSeconds;
    return dynamoCall(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { key },
          UpdateExpression: 'ADD failures :one SET lastFailureAt = :now, expiresAt = :expiresAt',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ':expiresAt': expiresAt },
        }),
      ),
    );
  }

  /** The keys of the current and the previous window. */
  private keys(kind: 'login' | 'source', value: string): string[] {
    const window = Math.floor(this.now() / 1000 / this.policy.windowSeconds);
    return [`${kind}#${window}#${value}`, `${kind}#${window - 1}#${value}`];
  }

  private tally(items: AttemptItem[], kind: 'login' | 'source', value: string) {
    const mine = items.filter((item) => this.keys(kind, value).includes(item.key));
    return {
      failures: mine.reduce((sum, item) => sum + item.failures, 0),
      lastFailureAt: Math.max(0, ...mine.map((item) => item.lastFailureAt)),
    };
  }

  private lockedUntil({ failures, lastFailureAt }: { failures: number; lastFailureAt: number }, limit: number): number {
    if (failures < limit) return 0;
    const backoff = Math.min(this.policy.backoffBaseSeconds * 2 ** (failures - limit), this.policy.backoffMaxSeconds);
    return lastFailureAt + backoff * 1000;
  }
}
