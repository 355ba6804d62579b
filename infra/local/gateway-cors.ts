import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpApiCors } from '../cors.ts';

const isCorsHeader = (name: string) => name.toLowerCase().startsWith('access-control-');

/** Runs `rewrite` on the response's headers just before they are sent, whoever sends them. */
function beforeHeadersSent(response: ServerResponse, rewrite: () => void): void {
  const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
  // Node's implicit header (a first write without writeHead) goes through writeHead too.
  response.writeHead = (...args: unknown[]) => {
    rewrite();
    return writeHead(...args);
  };
}

/**
 * API Gateway's CORS, for the local stack. serverless-offline reflects any `Origin` and allows
 * credentials on every answer, CORS configured or not; API Gateway, with `cors` configured,
 * answers preflights itself (before routes and authorizers) and puts its own CORS headers on the
 * answers to the origins of the list, none on any other, replacing the backend's; without
 * `cors`, it adds none and passes the backend's on.
 */
export function gatewayCors(cors: HttpApiCors | false) {
  const allowed = (request: IncomingMessage) => {
    const origin = request.headers.origin;
    return cors && origin !== undefined && cors.allowedOrigins.includes(origin) ? origin : undefined;
  };

  return {
    /** Answers a CORS preflight when CORS is configured, and says whether it did. */
    preflight(request: IncomingMessage, response: ServerResponse): boolean {
      const isPreflight =
        request.method === 'OPTIONS' &&
        request.headers.origin !== undefined &&
        request.headers['access-control-request-method'] !== undefined;
      if (!cors || !isPreflight) return false;
      const origin = allowed(request);
      response.writeHead(
        204,
        origin === undefined
          ? {}
          : {
              'access-control-allow-origin': origin,
              'access-control-allow-methods': cors.allowedMethods.join(','),
              'access-control-allow-headers': cors.allowedHeaders.join(','),
              'access-control-max-age': String(cors.maxAge),
              ...(cors.allowCredentials ? { 'access-control-allow-credentials': 'true' } : {}),
            },
      );
      response.end();
      return true;
    },

    /**
     * Makes the answer's CORS headers API Gateway's: with CORS configured, its own for an allowed
     * origin and none otherwise; without, the backend's (`fromBackend`: a proxied upstream) or
     * none (serverless-offline's are never the backend's).
     */
    answer(request: IncomingMessage, response: ServerResponse, { fromBackend }: { fromBackend: boolean }): void {
      if (!cors && fromBackend) return;
      beforeHeadersSent(response, () => {
        for (const name of response.getHeaderNames()) if (isCorsHeader(name)) response.removeHeader(name);
        const origin = allowed(request);
        if (!cors || origin === undefined) return;
        response.setHeader('access-control-allow-origin', origin);
        if (cors.allowCredentials) response.setHeader('access-control-allow-credentials', 'true');
        response.setHeader('access-control-expose-headers', cors.exposedResponseHeaders.join(','));
      });
    },
  };
}
