import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  Server as HttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';

/** Published by net.Server#listen with the server and its options, before it binds (Node ≥ 20). */
const LISTEN_CHANNEL = 'tracing:net.server.listen:asyncStart';

/** Listens on `host:port` (0 for any free port); resolves the port it got. */
export const listen = (server: Server, port: number, host = '127.0.0.1'): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });

/** Closes the server, keep-alive connections included, so that the port is free again at once. */
export const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/**
 * Whether a request may reach a local emulator: addressed to a loopback name, and not sent by a
 * web page. A page in the developer's browser can reach loopback ports; if it rebinds its own
 * domain to 127.0.0.1 (DNS rebinding) its requests carry that domain as Host, and any request a
 * page makes carries its Origin. The SDK sends neither.
 */
export function isLocalCaller(headers: IncomingHttpHeaders): boolean {
  if (headers.origin !== undefined) return false;
  const name = (headers.host ?? '')
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1')
    .toLowerCase();
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/**
 * Decides first on every request the server gets, before its own listeners: `intercept` answers
 * the request itself and returns true, or returns false to leave it to them. Requests sent with
 * `Expect: 100-continue` (curl's for a body over 1 KB) arrive as 'checkContinue' rather than
 * 'request'; both are covered, with Node's default (continue, then 'request') where the server
 * had no 'checkContinue' listener of its own.
 */
export function interceptRequests(
  server: Server,
  intercept: (request: IncomingMessage, response: ServerResponse, expectsContinue: boolean) => boolean,
): Server {
  type Listener = (request: IncomingMessage, response: ServerResponse) => void;
  const onRequest = server.listeners('request') as Listener[];
  const onContinue = server.listeners('checkContinue') as Listener[];
  server.removeAllListeners('request');
  server.removeAllListeners('checkContinue');
  const pass = (listeners: Listener[], request: IncomingMessage, response: ServerResponse) => {
    for (const listener of listeners) listener.call(server, request, response);
  };
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!intercept(request, response, false)) pass(onRequest, request, response);
  });
  server.on('checkContinue', (request: IncomingMessage, response: ServerResponse) => {
    if (intercept(request, response, true)) return;
    if (onContinue.length > 0) {
      pass(onContinue, request, response);
      return;
    }
    response.writeContinue();
    pass(onRequest, request, response);
  });
  return server;
}

/** Puts `isLocalCaller` in front of every request the server gets: others get 403. */
export function serveLocalCallersOnly(server: Server, refusal: { type: string; contentType: string }): Server {
  return interceptRequests(server, (request, response) => {
    if (isLocalCaller(request.headers)) return false;
    response.writeHead(403, { 'content-type': refusal.contentType, 'x-amzn-errortype': refusal.type });
    response.end(JSON.stringify({ __type: refusal.type, message: 'Only local, non-browser callers are served' }));
    return true;
  });
}

/**
 * Calls `onListen` with each server of this process that starts listening on one of `ports`
 * (by their names), before it accepts its first connection: the way to reach the servers that
 * serverless-offline creates and keeps to itself. Returns the unsubscription.
 */
export function onListening(
  ports: Record<string, number>,
  onListen: (name: string, server: Server) => void,
): () => void {
  const byPort = new Map(Object.entries(ports).map(([name, port]) => [port, name]));
  const listener = (message: unknown) => {
    const { server, options } = message as { server: unknown; options?: { port?: unknown } };
    const name = byPort.get(Number(options?.port));
    if (name !== undefined && server instanceof HttpServer) onListen(name, server as Server);
  };
  subscribe(LISTEN_CHANNEL, listener);
  return () => unsubscribe(LISTEN_CHANNEL, listener);
}
