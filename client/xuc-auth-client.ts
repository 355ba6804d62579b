import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema.ts';

/** A typed client of the xuc-auth API: every path, parameter, body and answer as openapi.yaml declares it. */
export type XucAuthClient = Client<paths>;
export type TokenResponse = components['schemas']['TokenResponse'];
export type ApiError = components['schemas']['Error'];

/** Where a request carries its token: the three places the API reads a Xuc token from. */
export type TokenPlacement = 'header' | 'bearer' | 'query';

export interface XucAuthClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** A Xuc token (or, in `X-Auth-Token` only, the shared token) that every request carries. */
  token?: string;
  /** `X-Auth-Token` (the default), `Authorization: Bearer` or the `token` query parameter. */
  tokenIn?: TokenPlacement;
}

const presentsToken = (request: Request): boolean =>
  request.headers.has('x-auth-token') ||
  request.headers.has('authorization') ||
  new URL(request.url).searchParams.has('token');

/**
 * Adds `token` to every request that does not present one of its own: the API refuses a request
 * that carries two different tokens.
 */
function presentToken(token: string, placement: TokenPlacement): Middleware {
  return {
    async onRequest({ request }) {
      if (presentsToken(request)) return request;
      if (placement === 'header') request.headers.set('X-Auth-Token', token);
      else if (placement === 'bearer') request.headers.set('Authorization', `Bearer ${token}`);
      else {
        const url = new URL(request.url);
        url.searchParams.set('token', token);
        const body = request.body === null ? null : await request.arrayBuffer();
        return new Request(url, { method: request.method, headers: request.headers, body, signal: request.signal });
      }
      return request;
    },
  };
}

/**
 * A client of the API at `baseUrl`, its origin (e.g. `http://localhost:3000`): the paths are the
 * contract's, `/xuc/api/2.0/auth/…`. openapi-fetch over the types that openapi-typescript
 * generates from openapi.yaml (client/schema.ts): a wrong path, field or parameter fails to compile.
 */
export function createXucAuthClient(
  baseUrl: string,
  { token, tokenIn = 'header', ...options }: XucAuthClientOptions = {},
): XucAuthClient {
  const client = createClient<paths>({ ...options, baseUrl });
  if (token !== undefined) client.use(presentToken(token, tokenIn));
  return client;
}
