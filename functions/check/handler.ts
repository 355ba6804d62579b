import { renewToken } from '../../shared/auth/exchange.ts';
import { XucError } from '../../shared/errors.ts';
import { exchangeHandler } from '../../shared/http/exchange-handler.ts';
import { presentedToken } from '../../shared/http/request.ts';
import { services } from '../../shared/services.ts';

/** `GET /xuc/api/2.0/auth/check`: not behind the authorizer, so a bad token gets the contract's body. */
export const handler = exchangeHandler('renewal', async (event) => {
  const presented = presentedToken(event);
  if (!presented) throw new XucError('InvalidToken', { message: 'No token presented' });
  return { issued: await renewToken(services(), presented.token) };
});
