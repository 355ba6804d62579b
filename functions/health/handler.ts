import { cachedHealthCheck, checkHealth } from '../../shared/health.ts';
import { httpHandler } from '../../shared/http/http-handler.ts';
import { json } from '../../shared/http/responses.ts';
import { services } from '../../shared/services.ts';

const probe = cachedHealthCheck(() => checkHealth(services()));

/** `GET /xuc/api/2.0/auth/health`: from the container's last deep probe, at most a few seconds old. */
export const handler = httpHandler(async () => {
  await probe();
  return json(200, { status: 'ok' });
});
