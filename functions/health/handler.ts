import { checkHealth } from '../../shared/health.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { json } from '../../shared/http/responses.ts';
import { services } from '../../shared/services.ts';

/** `GET /xuc/api/2.0/auth/health` */
export const handler = httpHandler(async () => {
  await checkHealth(services());
  return json(200, { status: 'ok' });
});
