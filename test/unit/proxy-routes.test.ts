import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { proxyRouteResources, proxyRoutes } from '../../infra/proxy-routes.ts';
import { authorizerEvent } from '../../infra/local/gateway-authorizer.ts';
import { matchProxyRoute } from '../../infra/local/proxy-route-server.ts';

const routes = proxyRoutes({ CONFIGMGT_URL: 'https://xivo.example.org/configmgt/', RECORDING_URL: 'http://rec:9000' });

describe('the XiVO proxy routes (one list for the template and the local stack)', () => {
  it('has a route for each upstream URL that is set, without its trailing slash', () => {
    expect(routes).toEqual([
      {
        name: 'Configmgt',
        prefix: 'configmgt',
        upstream: 'https://xivo.example.org/configmgt',
        routeKey: 'ANY /configmgt/{proxy+}',
      },
      { name: 'Recording', prefix: 'recording', upstream: 'http://rec:9000', routeKey: 'ANY /recording/{proxy+}' },
    ]);
    expect(proxyRoutes({ RECORDING_URL: ' ' })).toEqual([]);
    expect(Object.keys(proxyRouteResources(proxyRoutes({ RECORDING_URL: 'http://rec' })).Resources)).toEqual([
      'RecordingProxyIntegration',
      'RecordingProxyRoute',
    ]);
  });

  it('refuses an upstream that is not an http(s) URL, naming the variable', () => {
    expect(() => proxyRoutes({ CONFIGMGT_URL: 'xivo.example.org' })).toThrow('CONFIGMGT_URL');
    expect(() => proxyRoutes({ RECORDING_URL: 'file:///etc/passwd' })).toThrow('RECORDING_URL');
  });

  it.each([
    ['/configmgt/api/1.0/users', 'configmgt', 'api/1.0/users'],
    ['/recording/x', 'recording', 'x'],
    ['/configmgt//double', 'configmgt', '/double'],
  ])('matches %s as API Gateway matches ANY /<prefix>/{proxy+}', (path, prefix, proxyPath) => {
    expect(matchProxyRoute(routes, path)).toMatchObject({ route: { prefix }, proxyPath });
  });

  it.each(['/configmgt', '/configmgt/', '/Configmgt/x', '/configmgtx/y', '/xuc/api/2.0/auth/configmgt/x', '/'])(
    'does not match %s',
    (path) => {
      expect(matchProxyRoute(routes, path)).toBeUndefined();
    },
  );
});

describe("the authorizer event of a proxied request, as API Gateway's $default stage builds it", () => {
  const request = Object.assign(new IncomingMessage(new Socket()), {
    method: 'POST',
    url: '/configmgt/api/1.0/users?limit=2&limit=3&q=a%20b',
    httpVersion: '1.1',
    headers: {
      host: 'localhost:3000',
      'x-auth-token': 'the-token',
      accept: 'application/json, text/plain',
      cookie: 'a=1; b=2',
      'user-agent': 'curl/8',
    },
  });

  it('carries the route key, the raw path and query, lower-case headers and the path parameter', () => {
    const event = authorizerEvent(request, 'ANY /configmgt/{proxy+}', { proxy: 'api/1.0/users' });
    expect(event).toMatchObject({
      version: '2.0',
      type: 'REQUEST',
      routeKey: 'ANY /configmgt/{proxy+}',
      rawPath: '/configmgt/api/1.0/users',
      rawQueryString: 'limit=2&limit=3&q=a%20b',
      queryStringParameters: { limit: '2,3', q: 'a b' },
      cookies: ['a=1', 'b=2'],
      headers: { 'x-auth-token': 'the-token', accept: 'application/json, text/plain', host: 'localhost:3000' },
      pathParameters: { proxy: 'api/1.0/users' },
      requestContext: {
        routeKey: 'ANY /configmgt/{proxy+}',
        stage: '$default',
        http: { method: 'POST', path: '/configmgt/api/1.0/users', protocol: 'HTTP/1.1', userAgent: 'curl/8' },
      },
    });
    expect(event.headers).not.toHaveProperty('cookie');
  });
});
