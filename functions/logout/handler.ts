import { type AuthorizedEvent, userCaller } from '../../shared/http/caller.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { noContent } from '../../shared/http/responses.ts';
import { services } from '../../shared/services.ts';
import { revokeToken } from '../../shared/tokens/user-tokens.ts';

/** `POST /xuc/api/2.0/auth/logout`: revokes the presented token. */
export const handler = httpHandler<AuthorizedEvent>(async (event) => {
  const { login, tokenId } = userCaller(event);
  const { tokenStore, now } = services();
  await revokeToken(tokenStore, login, tokenId, now);
  return noContent();
});
