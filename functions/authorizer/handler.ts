import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { authorize, type CallerContext } from '../../shared/authorizer/authorize.ts';
import { logger, reasonOf } from '../../shared/logger.ts';
import { services } from '../../shared/services.ts';

type Result = APIGatewaySimpleAuthorizerWithContextResult<CallerContext> | { isAuthorized: false };

/**
 * HTTP API REQUEST authorizer (payload 2.0, simple responses). It speaks only API Gateway's
 * language: `Error('Unauthorized')` (401) when no token is presented, `isAuthorized` otherwise;
 * the reason for a denial goes to the logs.
 */
export async function handler(event: APIGatewayRequestAuthorizerEventV2): Promise<Result> {
  let decision;
  try {
    const { tokens, sharedToken, config } = services();
    decision = await authorize({ tokens, sharedToken, sharedTokenRoutes: config.sharedTokenRoutes }, event);
  } catch (error) {
    decision = { kind: 'deny', reason: reasonOf(error) } as const;
  }
  if (decision.kind === 'unauthenticated') throw new Error('Unauthorized');
  if (decision.kind === 'deny') {
    logger.warn('authorizer denied', { reason: decision.reason, routeKey: event.routeKey });
    return { isAuthorized: false };
  }
  return { isAuthorized: true, context: decision.context };
}
