import { describe, expect, it } from 'vitest';
import { XucError } from '../../shared/errors.ts';
import { errorResponse, tokenResponse } from '../../shared/http/responses.ts';

describe('answers', () => {
  it("gives a known error its status, the contract's body and its headers", () => {
    const result = errorResponse(
      new XucError('SsoAuthenticationFailed', {
        cause: new Error('internal detail'),
        headers: { 'www-authenticate': 'Negotiate' },
      }),
    );
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body ?? '')).toEqual({
      error: 'SsoAuthenticationFailed',
      message: 'Kerberos authentication failed',
    });
    expect(result.headers).toMatchObject({
      'www-authenticate': 'Negotiate',
      'content-type': 'application/json; charset=utf-8',
    });
    expect(result.body).not.toContain('internal detail');
  });

  it('says nothing of an unknown error but UnhandledError', () => {
    const error = new TypeError('secret connection string postgres://u:p@h');
    const result = errorResponse(error);
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body ?? '')).toEqual({ error: 'UnhandledError', message: 'Internal error' });
  });

  it('answers a token with login, token and TTL, never cached', () => {
    const result = tokenResponse({ token: 't', ttl: 60, record: { login: 'alice' } });
    expect(JSON.parse(result.body ?? '')).toEqual({ login: 'alice', token: 't', TTL: 60 });
    expect(result.headers?.['cache-control']).toBe('no-store');
  });
});
