import { completeExchange } from '../../shared/auth/exchange.ts';
import { CasValidator } from '../../shared/cas/cas-validator.ts';
import { exchangeHandler } from '../../shared/http/exchange-handler.ts';
import { services } from '../../shared/services.ts';

let validator: CasValidator | undefined;

/** `GET /xuc/api/2.0/auth/cas?service=<url>&ticket=<ST-…>` */
export const handler = exchangeHandler('cas', async (event) => {
  const deps = services();
  validator ??= CasValidator.fromConfig(deps.config);
  const query = event.queryStringParameters ?? {};
  const identity = await validator.validate(query.service, query.ticket);
  return { issued: await completeExchange(deps, { login: identity.user, method: 'cas', attributes: identity.attributes }) };
});
