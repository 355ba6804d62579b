import { completeExchange } from '../../shared/auth/exchange.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { header } from '../../shared/http/request.ts';
import { tokenResponse } from '../../shared/http/responses.ts';
import { services } from '../../shared/services.ts';

/** `GET /xuc/api/2.0/auth/sso`: Kerberos through the Negotiate handshake (RFC 4559). */
export const handler = httpHandler(async (event) => {
  const deps = services();
  const accepted = await deps.kerberos.accept(header(event.headers, 'authorization'));
  const issued = await completeExchange(deps, { login: accepted.login, method: 'kerberos' });
  return tokenResponse(issued, accepted.mutualToken ? { 'www-authenticate': `Negotiate ${accepted.mutualToken}` } : {});
});
