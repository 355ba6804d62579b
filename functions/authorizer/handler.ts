import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult } from 'aws-lambda';
import { authorize, type CallerContext } from '../../shared/authorizer/authorize.ts';
import { authorizerServices } from '../../shared/authorizer/authorizer-services.ts';
import { logger, reasonOf } from '../../shared/logger.ts';
import { recordDenial } from '../../shared/metrics.ts';

type Result = APIGatewaySimpleAuthorizerWithContextResult<CallerContext> | { isAuthorized: false };
/** API Gateway's event; one built by hand (as the benchmarks build theirs) may carry no request context. */
type AuthorizerEvent = Omit<APIGatewayRequestAuthorizerEventV2, 'requestContext'> & {
  requestContext?: Partial<APIGatewayRequestAuthorizerEventV2['requestContext']>;
};

/**
 * HTTP API REQUEST authorizer (payload 2.0, simple responses). It speaks only API Gateway's
 * language: `Error('Unauthorized')` (401) when no token is presented, `isAuthorized` otherwise;
 * the reason for a denial goes to the logs.
 */
export async function handler(event: AuthorizerEvent): Promise<Result> {
  let decision;
  try {
    decision = await authorize(authorizerServices(), event);
  } catch (error) {
    decision = { kind: 'deny', reason: reasonOf(error), category: 'UnhandledError' } as const;
  }
  if (decision.kind !== 'allow') {
    const reason = decision.kind === 'deny' ? decision.reason : 'no token presented';
    recordDenial(decision.kind === 'deny' ? decision.category : 'NoToken');
    logger.warn('authorizer denied', {
      audit: 'authorizer',
      outcome: 'deny',
      reason,
      routeKey: event.routeKey,
      source: event.requestContext?.http?.sourceIp,
    });
    if (decision.kind === 'unauthenticated') throw new Error('Unauthorized');
    return { isAuthorized: false };
  }
  return { isAuthorized: true, context: decision.context };
}
