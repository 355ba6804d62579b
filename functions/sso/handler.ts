import { identityExchangeHandler } from '../../shared/identity/identity-exchange-handler.ts';
import { spnegoTokenExchange } from '../../shared/identity/spnego-token-exchange.ts';

/** `GET /xuc/api/2.0/auth/sso`: Kerberos through the Negotiate handshake (RFC 4559). */
export const handler = identityExchangeHandler(spnegoTokenExchange);
