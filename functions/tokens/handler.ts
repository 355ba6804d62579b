import { type AuthorizedEvent, userCaller } from '../../shared/http/caller.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { integerParameter } from '../../shared/http/request.ts';
import { json, noContent } from '../../shared/http/responses.ts';
import { services } from '../../shared/services.ts';
import { liveSessions, revokeAllTokens, revokeToken, SESSION_PAGE } from '../../shared/tokens/user-tokens.ts';

/** `GET|DELETE /xuc/api/2.0/auth/tokens` and `DELETE /xuc/api/2.0/auth/tokens/{id}`: the caller's own sessions. */
export const handler = httpHandler<AuthorizedEvent>(async (event) => {
  const caller = userCaller(event);
  const { tokenStore, now } = services();
  const id = event.pathParameters?.id;
  if (event.requestContext.http.method === 'GET') {
    const page = {
      limit: integerParameter(event, 'limit', 1, SESSION_PAGE.max),
      cursor: event.queryStringParameters?.cursor,
    };
    return json(200, await liveSessions(tokenStore, caller.login, caller.tokenId, page, now));
  }
  if (id) await revokeToken(tokenStore, caller.login, id, now);
  else await revokeAllTokens(tokenStore, caller.login, now);
  return noContent();
});
