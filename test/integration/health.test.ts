import { describe, expect, it } from 'vitest';
import { handler } from '../../functions/health/handler.ts';
import { checkHealth } from '../../shared/health.ts';
import { localClients } from '../../infra/local/stack.ts';
import { bodyOf, httpEvent, lambdaContext, refusal, testServices } from '../support/fixtures.ts';

describe('GET /auth/health', () => {
  it('is 200 {"status":"ok"} when the tables and secrets answer', async () => {
    const result = await handler(httpEvent({ path: '/xuc/api/2.0/auth/health' }), lambdaContext);
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ status: 'ok' });
  });

  it.each([
    [
      'DynamoDB is unreachable',
      () => testServices({ db: localClients({ dynamodb: 'http://127.0.0.1:9', secretsManager: '' }).db }),
    ],
    [
      'Secrets Manager is unreachable',
      () => testServices({ secrets: localClients({ dynamodb: '', secretsManager: 'http://127.0.0.1:9' }).secrets }),
    ],
    ['a table is missing', () => testServices({ config: { usersTable: 'no-such-table' } })],
    ['the brute-force counters table is missing', () => testServices({ config: { attemptsTable: 'no-such-table' } })],
    ['a secret is missing', () => testServices({ config: { signingKeySecretId: 'no/such/secret' } })],
  ])('is a 503 ServiceUnavailable when %s', async (_, broken) => {
    const error = await refusal(checkHealth(broken()));
    expect(error.toJSON()).toEqual({ error: 'ServiceUnavailable', message: 'Service temporarily unavailable' });
    expect(error.status).toBe(503);
  });
});
