import { completeExchange } from '../auth/exchange.ts';
import { exchangeHandler } from '../http/exchange-handler.ts';
import { services } from '../services.ts';
import type { IdentityExchange, VerifyCredential } from './identity-exchange.ts';

/**
 * The Lambda handler of an identity exchange: the credential read from the request, checked by
 * the exchange's verifier (built on the first request, then kept by the container), then a Xuc
 * token for the login it proves, with the identity's attributes and headers.
 */
export function identityExchangeHandler<C>(exchange: IdentityExchange<C>) {
  let verify: VerifyCredential<C> | undefined;
  return exchangeHandler(exchange.method, async (event) => {
    const credential = exchange.readCredential(event);
    const deps = services();
    verify ??= exchange.createVerifier(deps);
    const { login, attributes, headers, oidcSubject } = await verify(credential);
    const issued = await completeExchange(deps, { login, method: exchange.method, attributes }, { oidcSubject });
    return { issued, headers };
  });
}
