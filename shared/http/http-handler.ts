import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { XucError } from '../errors.ts';
import { logger, reasonOf } from '../logger.ts';
import { errorResponse, type HttpResult } from './responses.ts';

export interface HttpHandlerOptions {
  /** False for functions that write their own audit event for every refusal (the exchanges). */
  logRefusals?: boolean;
}

/**
 * Turns any error into the contract's JSON answer. Known errors keep their code and public
 * message; their reason is logged. Anything else is logged in full and answered with a bare
 * `UnhandledError`.
 */
export function contractErrors<TEvent>({ logRefusals = true }: HttpHandlerOptions = {}): MiddlewareObj<
  TEvent,
  HttpResult
> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof XucError && error.status < 500) {
        if (logRefusals) logger.info('request refused', { error: error.code, reason: reasonOf(error.cause) });
      } else if (error instanceof XucError) {
        logger.error('request failed', { error: error.code, reason: reasonOf(error.cause) });
      } else {
        logger.error('unhandled error', error as Error);
      }
      request.response = errorResponse(error);
    },
  };
}

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_QUERY_BYTES = 8 * 1024;

type SizedEvent = {
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined> | null;
};
const size = (record: Record<string, string | undefined> | null | undefined): number =>
  Object.entries(record ?? {}).reduce(
    (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value ?? ''),
    0,
  );

/** Refuses oversized headers and query strings before any work is done on them (the body has its own bound). */
export function requestLimits<TEvent>(): MiddlewareObj<TEvent, HttpResult> {
  return {
    before: (request) => {
      const event = request.event as SizedEvent;
      if (size(event.headers) > MAX_HEADER_BYTES) {
        throw new XucError('InvalidRequest', { message: `Request headers exceed ${MAX_HEADER_BYTES} bytes` });
      }
      if (size(event.queryStringParameters) > MAX_QUERY_BYTES) {
        throw new XucError('InvalidRequest', { message: `Query string exceeds ${MAX_QUERY_BYTES} bytes` });
      }
    },
  };
}

export type HttpFunction<TEvent> = (event: TEvent, context: Context) => HttpResult | Promise<HttpResult>;

/** Wraps an HTTP function with the service's middleware: log context, contract errors, request limits. */
export function httpHandler<TEvent = APIGatewayProxyEventV2>(
  fn: HttpFunction<TEvent>,
  options: HttpHandlerOptions = {},
) {
  return middy<TEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(contractErrors<TEvent>(options))
    .use(requestLimits<TEvent>())
    .handler(fn);
}
