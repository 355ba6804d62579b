import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

type Service = 'dynamodb' | 'secretsManager';

/**
 * Counts AWS requests by service and command with a middleware on the clients' stacks. It sits in
 * the `deserialize` step, below the retry middleware, so that each HTTP attempt counts: the
 * figure is round trips, not SDK calls.
 */
export class CallCounter {
  readonly #counts = new Map<string, number>();

  attach(service: Service, client: DynamoDBDocumentClient | SecretsManagerClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const key = `${service}:${context.commandName ?? 'unknown'}`;
        this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
        return next(args);
      },
      { step: 'deserialize', name: 'benchCallCounter', override: true },
    );
  }

  reset(): void {
    this.#counts.clear();
  }

  /** Requests to `service`, optionally of one command (e.g. `GetItemCommand`). */
  count(service: Service, command?: string): number {
    let total = 0;
    for (const [key, value] of this.#counts) {
      const [s, c] = key.split(':');
      if (s === service && (command === undefined || c === command)) total += value;
    }
    return total;
  }

  /** Counts taken while `fn` runs. */
  async during<T>(fn: () => Promise<T>): Promise<{ result: T; dynamodb: number; secretsManager: number; reads: number }> {
    this.reset();
    const result = await fn();
    return {
      result,
      dynamodb: this.count('dynamodb'),
      secretsManager: this.count('secretsManager'),
      reads: this.count('dynamodb', 'GetItemCommand'),
    };
  }
}
