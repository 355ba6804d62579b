import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { documentBatchGet } from '../clients/aws.ts';
import { dynamoCall } from '../clients/dynamo-calls.ts';
import { XucError } from '../errors.ts';
import { lockoutWait, sourceKey, tally, type Counter, type ThrottlePolicy } from './lockout.ts';

/** One atomic change of a counter. */
interface Change {
  add?: Partial<Record<'failures' | 'pending', number>>;
  set?: Partial<Record<'lastFailureAt', number>>;
  remove?: string[];
}

/** One password attempt under way: it must be ended exactly once. */
export interface LoginAttempt {
  failed(): Promise<void>;
  /** Clears the login's failures. */
  succeeded(): Promise<void>;
  /** Ends an attempt that reached no verdict (a dependency failed): it counts for nothing. */
  abandoned(): Promise<void>;
}

/**
 * Brute-force protection of the password login. Failures are counted per login and per source
 * address in fixed windows (the current and the previous one count, so a window boundary does
 * not wipe the slate). Past the limit the key is locked for a back-off that doubles with every
 * further failure; a locked login or address gets 429 `TooManyAttempts` with `Retry-After`,
 * before any password is hashed. A successful login clears its login's count.
 *
 * An attempt is registered as pending, atomically, before its password is hashed, and the
 * decision reads the counts as they stood just before it: attempts under way count against the
 * limit, so that a burst of parallel guesses gets no more tries than sequential ones. Counters
 * use DynamoDB's atomic ADD, so concurrent attempts are never lost, and expire through TTL.
 */
export class LoginThrottle {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Begins an attempt, or throws 429 while one of its keys is locked or has all its remaining
   * tries under way: the login from this source, the login from anywhere (a much higher
   * ceiling), and the source for any login.
   */
  async begin(login: string, source?: string): Promise<LoginAttempt> {
    const window = Math.floor(this.now() / 1000 / this.policy.windowSeconds);
    // Stryker disable next-line StringLiteral: any text that no source key can be would do.
    const from = source === undefined ? '-' : sourceKey(source);
    const key = (name: string, limit: number) => ({
      current: name.replace('#', `#${window}#`),
      previous: name.replace('#', `#${window - 1}#`),
      limit,
    });
    // Locking a login from one source only: a stranger's guesses cannot lock its owner out.
    const limited = [
      key(`login-source#${login}#${from}`, this.policy.loginMaxFailures),
      key(`login#${login}`, this.policy.accountMaxFailures),
      ...(source === undefined ? [] : [key(`source#${from}`, this.policy.sourceMaxFailures)]),
    ];
    const [previous, ...before] = await Promise.all([
      dynamoCall(() =>
        documentBatchGet(this.db)({ [this.table]: { Keys: limited.map((key) => ({ key: key.previous })) } }),
      ),
      ...limited.map((key) => this.update(key.current, { add: { pending: 1 } }, true)),
    ]);
    const previousOf = (i: number) =>
      (previous[this.table] ?? []).find((item) => item.key === limited[i]?.previous) as Counter | undefined;
    const wait = Math.max(
      ...limited.map((key, i) => lockoutWait(tally(before[i], previousOf(i)), key.limit, this.policy, this.now())),
    );
    const end = (change: Change) =>
      Promise.all(limited.map((key) => this.update(key.current, change))).then(() => undefined);
    const release = () => end({ add: { pending: -1 } });
    if (wait > 0) {
      await release();
      throw new XucError('TooManyAttempts', {
        headers: { 'retry-after': String(Math.ceil(wait / 1000)) },
        cause: new Error(`locked out for ${Math.ceil(wait / 1000)} s`),
      });
    }
    return {
      failed: () => end({ add: { failures: 1, pending: -1 }, set: { lastFailureAt: this.now() } }),
      succeeded: async () => {
        // The login's own failures are forgiven, from this source and from anywhere; the source's are not.
        const clear = ['failures', 'lastFailureAt'];
        await Promise.all(
          limited.map(async (key, i) => {
            const forgiven = i < 2;
            await this.update(key.current, { add: { pending: -1 }, ...(forgiven ? { remove: clear } : {}) });
            if (forgiven && previousOf(i)?.failures) await this.update(key.previous, { remove: clear });
          }),
        );
      },
      abandoned: release,
    };
  }

  // Stryker disable next-line BooleanLiteral: an old item returned where none is asked for is not read.
  private async update(key: string, change: Change, returnOld = false): Promise<Counter | undefined> {
    // Every write pushes the expiry on: a counter lives two windows plus the longest back-off.
    const set = {
      ...change.set,
      expiresAt: Math.ceil(this.now() / 1000) + 2 * this.policy.windowSeconds + this.policy.backoffMaxSeconds,
    };
    const add = Object.keys(change.add ?? {});
    const expression = [
      add.length > 0 ? `ADD ${add.map((name) => `${name} :${name}`).join(', ')}` : '',
      `SET ${Object.keys(set)
        .map((name) => `${name} = :${name}`)
        .join(', ')}`,
      change.remove ? `REMOVE ${change.remove.join(', ')}` : '',
    ];
    const out = await dynamoCall(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { key },
          // Stryker disable next-line MethodExpression: DynamoDB reads the spaces of an empty clause as spaces.
          UpdateExpression: expression.filter(Boolean).join(' '),
          ExpressionAttributeValues: Object.fromEntries(
            Object.entries({ ...change.add, ...set }).map(([name, value]) => [`:${name}`, value]),
          ),
          ...(returnOld ? { ReturnValues: 'ALL_OLD' as const } : {}),
        }),
      ),
    );
    return out.Attributes as Counter | undefined;
  }
}
