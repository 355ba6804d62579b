import type { APIGatewayProxyEventV2WithLambdaAuthorizer } from 'aws-lambda';
import type { CallerContext } from '../authorizer/authorize.ts';
import { XucError } from '../errors.ts';

export type AuthorizedEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<CallerContext>;

/** The user the authorizer admitted; calls made with the shared token have none. */
export function userCaller(event: AuthorizedEvent): Extract<CallerContext, { principal: 'user' }> {
  const caller = event.requestContext.authorizer?.lambda;
  if (!caller) throw new Error('route is not behind the authorizer');
  if (caller.principal !== 'user') {
    throw new XucError('InvalidRequest', { message: 'This operation needs a user token, not the shared token' });
  }
  return caller;
}
