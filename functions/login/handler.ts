import { passwordLogin } from '../../shared/auth/password-login.ts';
import { exchangeHandler } from '../../shared/http/exchange-handler.ts';
import { fields, jsonBody } from '../../shared/http/request.ts';
import { services } from '../../shared/services.ts';

const LOGIN_REQUEST = {
  login: { type: 'string', required: true, maxLength: 128 },
  password: { type: 'string', required: true, maxLength: 1024 },
  // Any positive lifetime is accepted and then capped at TOKEN_MAX_TTL.
  expiration: { type: 'integer', min: 1, max: 2 ** 31 },
  softwareType: { type: 'string', maxLength: 64 },
  applicationType: { type: 'string', maxLength: 64 },
} as const;

/** `POST /xuc/api/2.0/auth/login` */
export const handler = exchangeHandler('password', async (event) => {
  const request = fields(jsonBody(event), LOGIN_REQUEST);
  return { issued: await passwordLogin(services(), { ...request, source: event.requestContext.http.sourceIp }) };
});
