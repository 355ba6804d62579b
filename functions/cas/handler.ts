import { completeExchange } from '../../shared/auth/exchange.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { tokenResponse } from '../../shared/http/responses.ts';
import { services } from '../../shared/services.ts';

/** `GET /xuc/api/2.0/auth/cas?service=<url>&ticket=<ST-…>` */
export const handler = httpHandler(async (event) => {
  const deps = services();
  const query = event.queryStringParameters ?? {};
  const identity = await deps.cas.validate(query.service, query.ticket);
  return tokenResponse(await completeExchange(deps, { login: identity.user, method: 'cas', attributes: identity.attributes }));
});
