import middy from '@middy/core';
import type { MiddlewareObj } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { XucError } from '../errors.ts';
import { logger, reasonOf } from '../logger.ts';
import { errorResponse, type HttpResult } from './responses.ts';

/**
 * Turns any error into the contract's JSON answer. Known errors keep their code and public
 * message; their reason is logged. Anything else is logged in full and answered with a bare
 * `UnhandledError`.
 */
export function contractErrors<TEvent>(): MiddlewareObj<TEvent, HttpResult> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (error instanceof XucError && error.status < 500) {
        logger.info('request refused', { error: error.code, reason: reasonOf(error.cause) });
      } else if (error instanceof XucError) {
        logger.error('request failed', { error: error.code, reason: reasonOf(error.cause) });
      } else {
        logger.error('unhandled error', error as Error);
      }
      request.response = errorResponse(error);
    },
  };
}

export type HttpFunction<TEvent> = (event: TEvent, context: Context) => Promise<HttpResult>;

/** Wraps an HTTP function with the service's middleware: log context, then contract errors. */
export function httpHandler<TEvent = APIGatewayProxyEventV2>(fn: HttpFunction<TEvent>) {
  return middy<TEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(contractErrors<TEvent>())
    .handler(fn);
}
