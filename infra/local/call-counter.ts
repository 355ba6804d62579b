import type { HttpHandlerOptions } from '@smithy/types';
import type { HttpRequest } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';

type Service = 'dynamodb' | 'secretsManager';

interface Call {
  service: Service;
  /** DynamoDB tables the request touches (a batch may touch several). */
  tables: string[];
  /** Requests sent while another was in flight share its round: what a caller waits for is rounds. */
  round: number;
}

export interface CountFilter {
  /** Leaves out requests that touch only this table (e.g. the brute-force counters). */
  exceptTable?: string;
}

const SERVICES: Record<string, Service> = { DynamoDB_20120810: 'dynamodb', secretsmanager: 'secretsManager' };

function tablesOf(body: unknown): string[] {
  // The SDK's JSON bodies are bytes that warn when read as a string: decode them as bytes.
  const text =
    typeof body === 'string' ? body : body instanceof Uint8Array ? new TextDecoder().decode(body) : undefined;
  if (text === undefined) throw new Error('call counter: a request body that is neither text nor bytes');
  const { TableName, RequestItems } = JSON.parse(text) as { TableName?: unknown; RequestItems?: unknown };
  if (typeof TableName === 'string') return [TableName];
  return typeof RequestItems === 'object' && RequestItems !== null ? Object.keys(RequestItems) : [];
}

/**
 * Counts AWS requests by service and table in the SDK's Node HTTP handler, which both
 * kinds of client take as `requestHandler`: the generated SDK clients of the functions and the
 * authorizer's JSON RPC clients. It sits beneath every retry, so that each HTTP attempt counts:
 * the budgets are round trips, not calls.
 */
export class CallCounter {
  #calls: Call[] = [];
  #inFlight = 0;
  #rounds = 0;

  /** The handler to give every client; it sends as the SDK's default handler does. */
  readonly handler: NodeHttpHandler;

  constructor(timeoutMs: number) {
    const sent = (service: Service, body: unknown): (() => void) => {
      const round = this.#inFlight === 0 ? ++this.#rounds : this.#rounds;
      this.#inFlight++;
      this.#calls.push({ service, tables: tablesOf(body), round });
      return () => this.#inFlight--;
    };
    this.handler = new (class extends NodeHttpHandler {
      override handle(request: HttpRequest, options?: HttpHandlerOptions) {
        const service = SERVICES[(request.headers['x-amz-target'] ?? '').split('.')[0] ?? ''];
        if (!service) return super.handle(request, options);
        return super.handle(request, options).finally(sent(service, request.body));
      }
    })({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true });
  }

  reset(): void {
    this.#calls = [];
  }

  count(service: Service, filter: CountFilter = {}): number {
    return this.#matching(service, filter).length;
  }

  /** How many rounds of requests the caller waited for: requests in flight together count once. */
  rounds(service: Service, filter: CountFilter = {}): number {
    return new Set(this.#matching(service, filter).map((call) => call.round)).size;
  }

  #matching(service: Service, filter: CountFilter): Call[] {
    return this.#calls.filter(
      (call) =>
        call.service === service &&
        !(
          filter.exceptTable !== undefined &&
          call.tables.length > 0 &&
          call.tables.every((table) => table === filter.exceptTable)
        ),
    );
  }
}
