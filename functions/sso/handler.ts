import { completeExchange } from '../../shared/auth/exchange.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { header } from '../../shared/http/request.ts';
import { tokenResponse } from '../../shared/http/responses.ts';
import { SpnegoAcceptor } from '../../shared/kerberos/spnego-acceptor.ts';
import { services } from '../../shared/services.ts';

// One acceptor per container: it writes the keytab from its secret once.
let acceptor: SpnegoAcceptor | undefined;

/** `GET /xuc/api/2.0/auth/sso`: Kerberos through the Negotiate handshake (RFC 4559). */
export const handler = httpHandler(async (event) => {
  const deps = services();
  acceptor ??= new SpnegoAcceptor(deps.config.kerberos, deps.secrets);
  const accepted = await acceptor.accept(header(event.headers, 'authorization'));
  const issued = await completeExchange(deps, { login: accepted.login, method: 'kerberos' });
  return tokenResponse(issued, accepted.mutualToken ? { 'www-authenticate': `Negotiate ${accepted.mutualToken}` } : {});
});
