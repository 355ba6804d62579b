import { completeExchange } from '../../shared/auth/exchange.ts';
import { exchangeHandler } from '../../shared/http/exchange-handler.ts';
import { header } from '../../shared/http/request.ts';
import { SpnegoAcceptor } from '../../shared/kerberos/spnego-acceptor.ts';
import { services } from '../../shared/services.ts';

// One acceptor per container: it writes the keytab from its secret once.
let acceptor: SpnegoAcceptor | undefined;

/** `GET /xuc/api/2.0/auth/sso`: Kerberos through the Negotiate handshake (RFC 4559). */
export const handler = exchangeHandler('kerberos', async (event) => {
  const deps = services();
  acceptor ??= new SpnegoAcceptor(deps.config.kerberos, deps.secrets);
  const accepted = await acceptor.accept(header(event.headers, 'authorization'));
  const issued = await completeExchange(deps, { login: accepted.login, method: 'kerberos' });
  return { issued, ...(accepted.mutualToken ? { headers: { 'www-authenticate': `Negotiate ${accepted.mutualToken}` } } : {}) };
});
