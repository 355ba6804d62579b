import { identityExchangeHandler } from '../../shared/identity/identity-exchange-handler.ts';
import { oidcTokenExchange } from '../../shared/identity/oidc-token-exchange.ts';

/** `GET /xuc/api/2.0/auth/oidc` (Authorization: Bearer) and `POST …/oidc` (`{"token"}`). */
export const handler = identityExchangeHandler(oidcTokenExchange);
