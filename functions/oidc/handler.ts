import { completeExchange } from '../../shared/auth/exchange.ts';
import { XucError } from '../../shared/errors.ts';
import { exchangeHandler } from '../../shared/http/exchange-handler.ts';
import { bearerToken, fields, jsonBody } from '../../shared/http/request.ts';
import { OidcVerifier } from '../../shared/oidc/oidc-verifier.ts';
import { services } from '../../shared/services.ts';

const OIDC_REQUEST = { token: { type: 'string', required: true, maxLength: 16_384 } } as const;

// One verifier per container: it caches the issuer's metadata and keys.
let verifier: OidcVerifier | undefined;

/** `GET /xuc/api/2.0/auth/oidc` (Authorization: Bearer) and `POST …/oidc` (`{"token"}`). */
export const handler = exchangeHandler('oidc', async (event) => {
  const token = event.requestContext.http.method === 'POST' ? fields(jsonBody(event), OIDC_REQUEST).token : bearerToken(event);
  if (!token) throw new XucError('OidcInvalidToken', { message: 'No OpenID Connect token presented' });
  const deps = services();
  verifier ??= OidcVerifier.fromConfig(deps.config);
  const login = await verifier.loginOf(token);
  return { issued: await completeExchange(deps, { login, method: 'oidc' }) };
});
