import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { syncRefusal } from '../support/sync-refusal.ts';
import { casTicketExchange } from '../../shared/identity/cas-ticket-exchange.ts';
import { oidcTokenExchange } from '../../shared/identity/oidc-token-exchange.ts';
import { spnegoTokenExchange } from '../../shared/identity/spnego-token-exchange.ts';

const event = (parts: {
  method?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: string;
}) =>
  ({
    headers: parts.headers ?? {},
    ...(parts.query ? { queryStringParameters: parts.query } : {}),
    ...(parts.body !== undefined ? { body: parts.body } : {}),
    isBase64Encoded: false,
    requestContext: { http: { method: parts.method ?? 'GET' } },
  }) as unknown as APIGatewayProxyEventV2;

describe('credentials read from the request', () => {
  it('CAS: the service and the ticket of the query, left to the validator to check when missing', () => {
    expect(casTicketExchange.readCredential(event({ query: { service: 'https://app/', ticket: 'ST-1' } }))).toEqual({
      service: 'https://app/',
      ticket: 'ST-1',
    });
    expect(casTicketExchange.readCredential(event({}))).toEqual({ service: undefined, ticket: undefined });
  });

  it('OpenID Connect: the Bearer token of a GET, the "token" field of a POST, whatever the header case', () => {
    expect(oidcTokenExchange.readCredential(event({ headers: { authorization: 'Bearer a.b.c' } }))).toBe('a.b.c');
    expect(
      oidcTokenExchange.readCredential(
        event({ method: 'POST', body: '{"token":"d.e.f"}', headers: { Authorization: 'Bearer ignored' } }),
      ),
    ).toBe('d.e.f');
  });

  it('OpenID Connect: no token is OidcInvalidToken, a POST without a usable body is InvalidJson', () => {
    expect(
      syncRefusal(() => oidcTokenExchange.readCredential(event({ headers: { authorization: 'Basic YTpi' } }))).code,
    ).toBe('OidcInvalidToken');
    expect(syncRefusal(() => oidcTokenExchange.readCredential(event({ method: 'POST', body: '{}' }))).code).toBe(
      'InvalidJson',
    );
    expect(syncRefusal(() => oidcTokenExchange.readCredential(event({ method: 'POST' }))).code).toBe('InvalidJson');
  });

  it('Kerberos: the whole Authorization header, which the acceptor parses', () => {
    expect(spnegoTokenExchange.readCredential(event({ headers: { Authorization: 'Negotiate YIIC' } }))).toBe(
      'Negotiate YIIC',
    );
    expect(spnegoTokenExchange.readCredential(event({}))).toBeUndefined();
  });
});
