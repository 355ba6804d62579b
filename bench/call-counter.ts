import type { DeserializeMiddleware, MiddlewareStack } from '@smithy/types';

type Service = 'dynamodb' | 'secretsManager';

interface Call {
  service: Service;
  command: string;
  /** DynamoDB tables the request touches (a batch may touch several). */
  tables: string[];
}

export interface CountFilter {
  /** Leaves out requests that touch only this table (e.g. the brute-force counters). */
  exceptTable?: string;
}

function tablesOf(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const { TableName, RequestItems } = input as { TableName?: unknown; RequestItems?: unknown };
  if (typeof TableName === 'string') return [TableName];
  return typeof RequestItems === 'object' && RequestItems !== null ? Object.keys(RequestItems) : [];
}

/**
 * Counts AWS requests by service, command and table with a middleware on the clients' stacks. It
 * sits in the `deserialize` step, below the retry middleware, so that each HTTP attempt counts:
 * the figure is round trips, not SDK calls.
 */
export class CallCounter {
  #calls: Call[] = [];

  /** `client` is any AWS SDK v3 client (the DynamoDB document client shares its client's stack). */
  attach<Input extends object, Output extends object>(service: Service, client: { middlewareStack: MiddlewareStack<Input, Output> }): void {
    const counting: DeserializeMiddleware<Input, Output> = (next, context) => async (args) => {
      this.#calls.push({ service, command: context.commandName ?? 'unknown', tables: tablesOf(args.input) });
      return next(args);
    };
    client.middlewareStack.add(counting, { step: 'deserialize', name: 'benchCallCounter', override: true });
  }

  reset(): void {
    this.#calls = [];
  }

  count(service: Service, filter: CountFilter = {}): number {
    return this.#calls.filter(
      (call) =>
        call.service === service &&
        !(filter.exceptTable !== undefined && call.tables.length > 0 && call.tables.every((table) => table === filter.exceptTable)),
    ).length;
  }
}
