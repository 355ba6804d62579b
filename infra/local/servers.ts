import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';

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

/** Puts `isLocalCaller` in front of every request listener the server has: others get 403. */
export function serveLocalCallersOnly(server: Server, refusal: { type: string; contentType: string }): Server {
  const listeners = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (isLocalCaller(req.headers)) {
      for (const listener of listeners) listener.call(server, req, res);
      return;
    }
    res.writeHead(403, { 'content-type': refusal.contentType, 'x-amzn-errortype': refusal.type });
    res.end(JSON.stringify({ __type: refusal.type, message: 'Only local, non-browser callers are served' }));
  });
  return server;
}
