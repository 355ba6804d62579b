import type { IncomingMessage, ServerResponse } from 'node:http';
import { createProxyServer } from 'http-proxy-3';
import { XucError, type ErrorCode } from '../../shared/errors.ts';
import type { ProxyRoute } from '../proxy-routes.ts';
import type { GatewayDecision } from './gateway-authorizer.ts';

export interface ProxyRouteServerOptions {
  routes: ProxyRoute[];
  /** The authorizer's decision for a request on a route, as API Gateway would ask it. */
  authorize: (request: IncomingMessage, route: ProxyRoute, proxyPath: string) => Promise<GatewayDecision>;
  /** How long the upstream may stay silent (UPSTREAM_TIMEOUT_MS) before the caller gets 504. */
  timeoutMs: number;
}

/** Handles the request when it is on a proxy route (and says so); leaves any other request alone. */
export type RouteHandler = (request: IncomingMessage, response: ServerResponse, expectsContinue: boolean) => boolean;

const TIMED_OUT = 'ETIMEDOUT';

/** The route of a request path and its `{proxy}`; `{proxy+}` needs at least one character after the prefix's slash. */
export function matchProxyRoute(
  routes: ProxyRoute[],
  path: string,
): { route: ProxyRoute; proxyPath: string } | undefined {
  const route = routes.find(({ prefix }) => path.startsWith(`/${prefix}/`) && path.length > prefix.length + 2);
  return route && { route, proxyPath: path.slice(route.prefix.length + 2) };
}

/** The path of a request as API Gateway routes it: dot segments resolved. */
export const requestPath = (request: IncomingMessage): string =>
  new URL(request.url ?? '/', 'http://localhost').pathname;

function sendError(request: IncomingMessage, response: ServerResponse, code: ErrorCode, cause: unknown): void {
  // The path alone: a query string may carry a token.
  const reason = cause instanceof Error ? cause.message : String(cause);
  console.error(`proxy ${request.method ?? ''} ${requestPath(request)}: ${code} (${reason})`);
  if (response.headersSent) {
    // The answer had begun: cutting it short is all that is left to say.
    response.destroy(cause instanceof Error ? cause : undefined);
    return;
  }
  const error = new XucError(code, { cause });
  response.writeHead(error.status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(error.toJSON()));
}

/**
 * The local equivalent of the template's `ANY /<prefix>/{proxy+}` HTTP_PROXY routes: the
 * authorizer first, then the request as it came (method, `{proxy}` path, query, headers, body)
 * to the upstream, and its answer back unchanged, as a stream (binary bodies intact). An
 * upstream that refuses the connection gives 502 `UpstreamUnavailable`, one silent for
 * `timeoutMs` 504 `UpstreamTimeout`, in the contract's `{error, message}` form.
 */
export function proxyRouteServer({ routes, authorize, timeoutMs }: ProxyRouteServerOptions): RouteHandler {
  // Host becomes the upstream's, as API Gateway sends it; X-Forwarded-* name the caller.
  const proxy = createProxyServer({ changeOrigin: true, ignorePath: true, xfwd: true });
  proxy.on('proxyReq', (upstreamRequest) => {
    upstreamRequest.setTimeout(timeoutMs, () =>
      upstreamRequest.destroy(Object.assign(new Error('upstream timed out'), { code: TIMED_OUT })),
    );
  });

  const forward = async (request: IncomingMessage, response: ServerResponse, expectsContinue: boolean) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const { route, proxyPath } = matchProxyRoute(routes, url.pathname) ?? {};
    if (!route || proxyPath === undefined) return;
    const decision = await authorize(request, route, proxyPath);
    // Only an explicit admission lets the request through (anything else throws: 500).
    if (decision.kind !== 'allow') {
      response.writeHead(decision.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(decision.body));
      return;
    }
    // The body is asked for only once the caller is admitted; the upstream is not asked again.
    if (expectsContinue) {
      response.writeContinue();
      delete request.headers.expect;
    }
    proxy.web(request, response, { target: `${route.upstream}/${proxyPath}${url.search}` }, (error) => {
      const code = (error as NodeJS.ErrnoException).code;
      sendError(request, response, code === TIMED_OUT ? 'UpstreamTimeout' : 'UpstreamUnavailable', error);
    });
  };

  return (request, response, expectsContinue) => {
    if (!matchProxyRoute(routes, requestPath(request))) return false;
    forward(request, response, expectsContinue).catch((error: unknown) =>
      sendError(request, response, 'UnhandledError', error),
    );
    return true;
  };
}
