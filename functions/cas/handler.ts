import { casTicketExchange } from '../../shared/identity/cas-ticket-exchange.ts';
import { identityExchangeHandler } from '../../shared/identity/identity-exchange-handler.ts';

/** `GET /xuc/api/2.0/auth/cas?service=<url>&ticket=<ST-…>` */
export const handler = identityExchangeHandler(casTicketExchange);
