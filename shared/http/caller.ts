import type { APIGatewayEventRequestContextV2, APIGatewayProxyEventV2WithRequestContext } from 'aws-lambda';
import type { CallerContext } from '../authorizer/authorize.ts';
import { XucError } from '../errors.ts';

/** An event for a route behind the authorizer: its context is absent only if the route was deployed without it. */
export type AuthorizedEvent = APIGatewayProxyEventV2WithRequestContext<
  APIGatewayEventRequestContextV2 & { authorizer?: { lambda?: CallerContext } }
>;

/** The user the authorizer admitted; calls made with the shared token have none. */
export function userCaller(event: AuthorizedEvent): Extract<CallerContext, { principal: 'user' }> {
  const caller = event.requestContext.authorizer?.lambda;
  if (!caller) throw new Error('route is not behind the authorizer');
  if (caller.principal !== 'user') {
    throw new XucError('InvalidRequest', { message: 'This operation needs a user token, not the shared token' });
  }
  return caller;
}
