import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { handler as authorizer } from '../../functions/authorizer/handler.ts';
import type { AuthorizedEvent } from '../../shared/http/caller.ts';
import type { HttpResult } from '../../shared/http/responses.ts';
import { authorizerEvent, httpEvent, lambdaContext } from './fixtures.ts';

type Handler = (event: AuthorizedEvent, context: typeof lambdaContext) => Promise<APIGatewayProxyResultV2 | HttpResult>;

/**
 * Calls a function the way API Gateway does for a route behind the authorizer: the authorizer
 * first (401 on its `Unauthorized` error, 403 on a denial, with API Gateway's own bodies), then
 * the function with the authorizer's context.
 */
export async function throughGateway(
  handler: Handler,
  request: Parameters<typeof httpEvent>[0] & { path: string },
): Promise<HttpResult> {
  let decision;
  try {
    decision = await authorizer(authorizerEvent(request));
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') {
      return { statusCode: 401, body: JSON.stringify({ message: 'Unauthorized' }) };
    }
    return { statusCode: 500, body: JSON.stringify({ message: 'Internal Server Error' }) };
  }
  if (!decision.isAuthorized) return { statusCode: 403, body: JSON.stringify({ message: 'Forbidden' }) };
  const event = httpEvent({ ...request, authorizer: { lambda: 'context' in decision ? decision.context : {} } });
  return (await handler(event, lambdaContext)) as HttpResult;
}
