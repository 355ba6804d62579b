import { describe, expect, it } from 'vitest';
import { handler as health } from '../../functions/health/handler.ts';
import { handler as cas } from '../../functions/cas/handler.ts';
import { bodyOf, httpEvent, lambdaContext, postLogin } from '../support/fixtures.ts';

describe('request size limits', () => {
  it('refuses headers over 16 KB with 400 InvalidRequest', async () => {
    const result = await health(
      httpEvent({ path: '/xuc/api/2.0/auth/health', headers: { 'x-padding': 'x'.repeat(17_000) } }),
      lambdaContext,
    );
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ error: 'InvalidRequest', message: 'Request headers exceed 16384 bytes' });
  });

  it('refuses query strings over 8 KB with 400 InvalidRequest, before any upstream call', async () => {
    const result = await cas(
      httpEvent({
        path: '/xuc/api/2.0/auth/cas',
        query: { service: 'https://a.example/', ticket: 'ST-1', pad: 'x'.repeat(9000) },
      }),
      lambdaContext,
    );
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ error: 'InvalidRequest', message: 'Query string exceeds 8192 bytes' });
  });

  it('refuses bodies over 20 KB with 400 InvalidRequest', async () => {
    const result = await postLogin({ login: 'a', password: 'b', pad: 'x'.repeat(20_500) });
    expect(result.statusCode).toBe(400);
    expect(bodyOf(result)).toEqual({ error: 'InvalidRequest', message: 'Request body exceeds 20480 bytes' });
  });

  it('accepts requests just under the limits', async () => {
    const result = await health(
      httpEvent({ path: '/xuc/api/2.0/auth/health', headers: { 'x-padding': 'x'.repeat(15_000) } }),
      lambdaContext,
    );
    expect(result.statusCode).toBe(200);
  });
});
