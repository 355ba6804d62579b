import { sdkGetSecretValue } from '../clients/aws.ts';
import { XucError } from '../errors.ts';
import { bearerToken, fields, jsonBody } from '../http/request.ts';
import { MAX_OIDC_TOKEN_LENGTH, OidcVerifier } from '../oidc/oidc-verifier.ts';
import type { IdentityExchange } from './identity-exchange.ts';

const OIDC_REQUEST = { token: { type: 'string', required: true, maxLength: MAX_OIDC_TOKEN_LENGTH } } as const;

/**
 * `GET /oidc` with `Authorization: Bearer <token>` or `POST /oidc` with `{"token"}` (openapi.yaml,
 * /oidc; README, OpenID Connect): an ID token, a JWT access token or an opaque access token of the
 * configured issuer, whose `OIDC_LOGIN_CLAIM` is the login.
 */
export const oidcTokenExchange: IdentityExchange<string> = {
  method: 'oidc',
  readCredential: (event) => {
    const token =
      event.requestContext.http.method === 'POST' ? fields(jsonBody(event), OIDC_REQUEST).token : bearerToken(event);
    if (!token) throw new XucError('OidcInvalidToken', { message: 'No OpenID Connect token presented' });
    return token;
  },
  createVerifier: ({ config, secrets }) => {
    const verifier = OidcVerifier.fromConfig(config, sdkGetSecretValue(secrets));
    return async (token) => {
      const { login, subject } = await verifier.identify(token);
      return { login, oidcSubject: subject };
    };
  },
};
