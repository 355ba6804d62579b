import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that answers what a well-behaved peer never would: `respond` decides,
 * and may also never answer (to test timeouts). Every request is counted.
 */
export async function startHostileServer(
  respond: (req: http.IncomingMessage, res: http.ServerResponse, origin: string) => void,
) {
  let requests = 0;
  let origin = '';
  const server = http.createServer((req, res) => {
    requests += 1;
    respond(req, res, origin);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
