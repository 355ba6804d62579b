/**
 * The optional HTTP proxy routes to XiVO's configuration and recording APIs, behind the
 * authorizer's shared-token rule: `ANY /configmgt/{proxy+}` when CONFIGMGT_URL is set,
 * `ANY /recording/{proxy+}` when RECORDING_URL is. One list for both the deployed template
 * (infra/resources/proxy-routes.cjs) and the local stack (infra/local/proxy-route-server.ts).
 */
export interface ProxyRoute {
  /** CloudFormation logical-name stem. */
  name: string;
  /** First path segment, e.g. `configmgt`: the route is `ANY /<prefix>/{proxy+}`. */
  prefix: string;
  /** Base URL the `{proxy}` path is appended to, without a trailing slash. */
  upstream: string;
  routeKey: string;
}

const ROUTES = [
  { name: 'Configmgt', prefix: 'configmgt', variable: 'CONFIGMGT_URL' },
  { name: 'Recording', prefix: 'recording', variable: 'RECORDING_URL' },
] as const;

/** The routes whose upstream URL the environment sets. */
export function proxyRoutes(env: Record<string, string | undefined> = process.env): ProxyRoute[] {
  return ROUTES.flatMap(({ name, prefix, variable }) => {
    const url = env[variable]?.trim();
    if (!url) return [];
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new Error(`${variable} must be an http(s) URL, got "${url}"`);
    }
    return [{ name, prefix, upstream: url.replace(/\/+$/, ''), routeKey: `ANY /${prefix}/{proxy+}` }];
  });
}

/** The HTTP API's HTTP_PROXY integrations and routes, each behind the xucToken authorizer. */
export function proxyRouteResources(routes: ProxyRoute[]): { Resources: Record<string, unknown> } {
  const resources: Record<string, unknown> = {};
  for (const { name, upstream, routeKey } of routes) {
    resources[`${name}ProxyIntegration`] = {
      Type: 'AWS::ApiGatewayV2::Integration',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        IntegrationType: 'HTTP_PROXY',
        IntegrationMethod: 'ANY',
        IntegrationUri: `${upstream}/{proxy}`,
        PayloadFormatVersion: '1.0',
      },
    };
    resources[`${name}ProxyRoute`] = {
      Type: 'AWS::ApiGatewayV2::Route',
      Properties: {
        ApiId: { Ref: 'HttpApi' },
        RouteKey: routeKey,
        AuthorizationType: 'CUSTOM',
        AuthorizerId: { Ref: 'HttpApiAuthorizerXucToken' },
        Target: { 'Fn::Join': ['/', ['integrations', { Ref: `${name}ProxyIntegration` }]] },
      },
    };
  }
  return { Resources: resources };
}
