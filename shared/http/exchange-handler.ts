import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { XucError } from '../errors.ts';
import { logger, reasonOf } from '../logger.ts';
import { recordExchange } from '../metrics.ts';
import type { IssuedToken } from '../tokens/token-service.ts';
import type { AuthMethod } from '../tokens/token-record.ts';
import { httpHandler } from './http-handler.ts';
import { tokenResponse } from './responses.ts';

export interface Exchanged {
  issued: IssuedToken;
  headers?: Record<string, string> | undefined;
}

/**
 * An HTTP function that trades a credential for a Xuc token: it answers the contract's
 * `{login, token, TTL}` and writes one audit event per request, success or failure, with the
 * login, method, outcome, reason, source address and token id, never a credential, and its
 * metrics (tokens issued, failures, latency).
 */
export function exchangeHandler(
  method: AuthMethod | 'renewal',
  exchange: (event: APIGatewayProxyEventV2) => Promise<Exchanged>,
) {
  return httpHandler(
    async (event) => {
      const source = event.requestContext.http.sourceIp;
      const started = performance.now();
      try {
        const { issued, headers } = await exchange(event);
        recordExchange(method, 'success', performance.now() - started);
        logger.info('exchange succeeded', {
          audit: 'exchange',
          method,
          outcome: 'success',
          login: issued.record.login,
          tokenId: issued.record.tokenId,
          source,
        });
        return tokenResponse(issued, headers);
      } catch (error) {
        recordExchange(
          method,
          'failure',
          performance.now() - started,
          error instanceof XucError ? error.code : undefined,
        );
        logger.info('exchange refused', {
          audit: 'exchange',
          method,
          outcome: 'failure',
          error: error instanceof XucError ? error.code : 'UnhandledError',
          reason: reasonOf(error instanceof XucError ? (error.cause ?? error) : error),
          source,
        });
        throw error;
      }
    },
    { logRefusals: false },
  );
}
