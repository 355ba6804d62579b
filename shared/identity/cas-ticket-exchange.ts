import { CasValidator } from '../cas/cas-validator.ts';
import type { IdentityExchange } from './identity-exchange.ts';

/** A CAS service ticket and the service it was issued for, as received (either may be missing). */
export interface CasTicket {
  service: string | undefined;
  ticket: string | undefined;
}

/**
 * `GET /cas?service=<url>&ticket=<ST-…>` (openapi.yaml, /cas; README, CAS): the ticket is
 * validated at the CAS server, whose user is the login and whose released attributes are
 * recorded with the token.
 */
export const casTicketExchange: IdentityExchange<CasTicket> = {
  method: 'cas',
  readCredential: (event) => ({
    service: event.queryStringParameters?.service,
    ticket: event.queryStringParameters?.ticket,
  }),
  createVerifier: ({ config }) => {
    const validator = CasValidator.fromConfig(config);
    return async ({ service, ticket }) => {
      const { user, attributes } = await validator.validate(service, ticket);
      return { login: user, attributes };
    };
  },
};
