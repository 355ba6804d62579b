import { completeExchange } from '../../shared/auth/exchange.ts';
import { CasValidator } from '../../shared/cas/cas-validator.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { tokenResponse } from '../../shared/http/responses.ts';
import { services } from '../../shared/services.ts';

let validator: CasValidator | undefined;

/** `GET /xuc/api/2.0/auth/cas?service=<url>&ticket=<ST-…>` */
export const handler = httpHandler(async (event) => {
  const deps = services();
  validator ??= CasValidator.fromConfig(deps.config);
  const query = event.queryStringParameters ?? {};
  const identity = await validator.validate(query.service, query.ticket);
  return tokenResponse(await completeExchange(deps, { login: identity.user, method: 'cas', attributes: identity.attributes }));
});
