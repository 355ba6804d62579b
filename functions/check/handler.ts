import { renewToken } from '../../shared/auth/exchange.ts';
import { XucError } from '../../shared/errors.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { presentedToken } from '../../shared/http/request.ts';
import { tokenResponse } from '../../shared/http/responses.ts';
import { services } from '../../shared/services.ts';

/** `GET /xuc/api/2.0/auth/check`: not behind the authorizer, so a bad token gets the contract's body. */
export const handler = httpHandler(async (event) => {
  const presented = presentedToken(event);
  if (!presented) throw new XucError('InvalidToken', { message: 'No token presented' });
  return tokenResponse(await renewToken(services(), presented.token));
});
