import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createXucAuthClient } from '../../client/xuc-auth-client.ts';

/** Answers every request with what it received, as the 200 of /check would carry a token. */
let server: Server;
let origin: string;
interface Echo {
  method: string;
  url: string;
  token: string | null;
  authorization: string | null;
  body: string;
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += String(chunk)));
    request.on('end', () => {
      const echo: Echo = {
        method: request.method ?? '',
        url: request.url ?? '',
        token: (request.headers['x-auth-token'] as string | undefined) ?? null,
        authorization: request.headers.authorization ?? null,
        body,
      };
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(echo));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** What the echo server saw of one call. */
const seen = async (call: Promise<{ data?: unknown; error?: unknown }>) => {
  const { data, error } = await call;
  return (data ?? error) as Echo;
};

describe('createXucAuthClient', () => {
  it('sends no token of its own without one', async () => {
    const echo = await seen(createXucAuthClient(origin).GET('/xuc/api/2.0/auth/health'));
    expect(echo).toMatchObject({ method: 'GET', url: '/xuc/api/2.0/auth/health', token: null });
    expect(echo.authorization).toBeNull();
  });

  it('presents its token in X-Auth-Token, Authorization: Bearer or ?token=, as asked', async () => {
    const header = await seen(createXucAuthClient(origin, { token: 't0k' }).GET('/xuc/api/2.0/auth/check'));
    expect(header).toMatchObject({ url: '/xuc/api/2.0/auth/check', token: 't0k' });
    const bearer = await seen(
      createXucAuthClient(origin, { token: 't0k', tokenIn: 'bearer' }).GET('/xuc/api/2.0/auth/tokens'),
    );
    expect(bearer).toMatchObject({ authorization: 'Bearer t0k', token: null });
    const query = await seen(
      createXucAuthClient(origin, { token: 'a+b/c', tokenIn: 'query' }).DELETE('/xuc/api/2.0/auth/tokens/{id}', {
        params: { path: { id: '0b6f1e1e-4c1a-4d0e-9f57-3c2f3f8e8a11' } },
      }),
    );
    expect(query).toMatchObject({
      method: 'DELETE',
      url: '/xuc/api/2.0/auth/tokens/0b6f1e1e-4c1a-4d0e-9f57-3c2f3f8e8a11?token=a%2Bb%2Fc',
      token: null,
    });
  });

  it('keeps the body of a request whose token goes in the query string', async () => {
    const echo = await seen(
      createXucAuthClient(origin, { token: 't0k', tokenIn: 'query' }).POST('/xuc/api/2.0/auth/oidc', {
        body: { token: 'an OIDC token' },
      }),
    );
    expect(echo).toMatchObject({ method: 'POST', url: '/xuc/api/2.0/auth/oidc?token=t0k' });
    expect(JSON.parse(echo.body)).toEqual({ token: 'an OIDC token' });
  });

  it('adds no second token to a call that presents its own (the API refuses two different tokens)', async () => {
    const client = createXucAuthClient(origin, { token: 'mine' });
    const bearer = await seen(
      client.GET('/xuc/api/2.0/auth/oidc', { params: { header: { Authorization: 'Bearer from-the-idp' } } }),
    );
    expect(bearer).toMatchObject({ authorization: 'Bearer from-the-idp', token: null });
    const header = await seen(client.GET('/xuc/api/2.0/auth/check', { headers: { 'X-Auth-Token': 'other' } }));
    expect(header.token).toBe('other');
  });

  it('does not compile calls the contract does not allow (asserted by npm run typecheck)', () => {
    const client = createXucAuthClient(origin);
    // Never run: each line must fail to type-check, or tsc reports an unused @ts-expect-error.
    const misuses = [
      // @ts-expect-error: no such path
      () => client.GET('/xuc/api/2.0/auth/nope'),
      // @ts-expect-error: /check is a GET
      () => client.POST('/xuc/api/2.0/auth/check'),
      // @ts-expect-error: a login needs its password
      () => client.POST('/xuc/api/2.0/auth/login', { body: { login: 'alice' } }),
      // @ts-expect-error: the expiration is a number of seconds
      () => client.POST('/xuc/api/2.0/auth/login', { body: { login: 'alice', password: 'pw', expiration: '1h' } }),
      // @ts-expect-error: a CAS exchange needs the service and the ticket
      () => client.GET('/xuc/api/2.0/auth/cas', { params: { query: { ticket: 'ST-1' } } }),
      // @ts-expect-error: revoking one token needs its id
      () => client.DELETE('/xuc/api/2.0/auth/tokens/{id}'),
      async () => {
        const { data } = await client.GET('/xuc/api/2.0/auth/check');
        // @ts-expect-error: the answer is {login, token, TTL}
        const ttl: number | undefined = data?.expiresIn;
        return ttl;
      },
      async () => {
        const { data } = await client.GET('/xuc/api/2.0/auth/tokens');
        const method = data?.tokens[0]?.method;
        // @ts-expect-error: a session's method is one of four
        return method === 'saml';
      },
    ];
    expect(misuses).toHaveLength(8);
  });
});
