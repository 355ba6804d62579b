import { header } from '../http/request.ts';
import { SpnegoAcceptor } from '../kerberos/spnego-acceptor.ts';
import type { IdentityExchange } from './identity-exchange.ts';

/**
 * `GET /sso` with `Authorization: Negotiate <token>` (openapi.yaml, /sso; README, Kerberos): a
 * Kerberos ticket through SPNEGO (RFC 4559), whose principal in a trusted realm is the login. The
 * GSS reply, when there is one, goes back in `WWW-Authenticate` for mutual authentication.
 */
export const spnegoTokenExchange: IdentityExchange<string | undefined> = {
  method: 'kerberos',
  // The whole header: the acceptor answers a missing or malformed one with the Negotiate challenge.
  readCredential: (event) => header(event.headers, 'authorization'),
  createVerifier: ({ config, secrets }) => {
    const acceptor = new SpnegoAcceptor(config.kerberos, secrets);
    return async (authorization) => {
      const { login, mutualToken } = await acceptor.accept(authorization);
      return { login, ...(mutualToken ? { headers: { 'www-authenticate': `Negotiate ${mutualToken}` } } : {}) };
    };
  },
};
