import { randomUUID } from 'node:crypto';
import type { Package } from './packaged-stack.ts';
import { ACCOUNT_ID, type FunctionContainer } from './packaged-functions.ts';

export interface GatewayRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: string;
  sourceIp?: string;
}
export interface GatewayResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  routeKey: string;
  function: string;
  authorizer?: string;
}

const API_ID = 'a1b2c3d4e5';

/**
 * The HTTP API of a packaged template, in front of the functions' containers: each route of the
 * template (`AWS::ApiGatewayV2::Route`) goes to the function its integration names, through the
 * REQUEST authorizer its `AuthorizerId` names when it has one. Events are payload 2.0 as API
 * Gateway builds them (lower-cased headers, the route key, path parameters, the authorizer's
 * context under `requestContext.authorizer.lambda`), and answers are mapped as it maps them
 * (simple authorizer responses: an `Unauthorized` error is 401, a denial 403).
 */
export class PackagedGateway {
  readonly routes: Route[];
  readonly invoked = new Set<string>();

  constructor(
    pkg: Package,
    private readonly region: string,
    private readonly resolve: (value: unknown) => string,
    private readonly containers: Map<string, FunctionContainer>,
  ) {
    const resources = pkg.template.Resources;
    /** The function an ARN in an integration or authorizer URI names. */
    const functionOf = (uri: string) => /:function:([^/:]+)/.exec(uri)?.[1] ?? uri;
    this.routes = Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .flatMap(({ Properties = {} }) => {
        const routeKey = Properties.RouteKey as string;
        const [method = '', path = ''] = routeKey.split(' ');
        const integration = resources[this.resolve(Properties.Target).replace(/^integrations\//, '')];
        if (integration?.Properties?.IntegrationType !== 'AWS_PROXY') return [];
        const names = [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((match) => match[1] as string);
        const authorizer = Properties.AuthorizerId
          ? resources[this.resolve(Properties.AuthorizerId)]?.Properties?.AuthorizerUri
          : undefined;
        return [
          {
            method,
            routeKey,
            names,
            pattern: new RegExp(`^${path.replace(/\{[^}]+\+\}/g, '(.+)').replace(/\{[^}]+\}/g, '([^/]+)')}$`),
            function: functionOf(this.resolve(integration.Properties.IntegrationUri)),
            ...(authorizer ? { authorizer: functionOf(this.resolve(authorizer)) } : {}),
          },
        ];
      });
  }

  async request(request: GatewayRequest): Promise<GatewayResponse> {
    const route = this.routes.find(
      (candidate) => candidate.method === request.method && candidate.pattern.test(request.path),
    );
    if (!route) return reply(404, { message: 'Not Found' });
    const found = route.pattern.exec(request.path) as RegExpExecArray;
    const pathParameters = Object.fromEntries(route.names.map((name, index) => [name, found[index + 1] as string]));
    const event = this.event(route, request, pathParameters);

    let authorizer: Record<string, unknown> | undefined;
    if (route.authorizer) {
      const decision = await this.invoke(route.authorizer, {
        ...event,
        type: 'REQUEST',
        routeArn: `arn:aws:execute-api:${this.region}:${ACCOUNT_ID}:${API_ID}/$default/${request.method}${request.path}`,
        identitySource: [],
      });
      if (decision.error) {
        return decision.error.errorMessage === 'Unauthorized'
          ? reply(401, { message: 'Unauthorized' })
          : reply(500, { message: 'Internal Server Error' });
      }
      const simple = decision.result as { isAuthorized?: boolean; context?: Record<string, unknown> };
      if (simple.isAuthorized !== true) return reply(403, { message: 'Forbidden' });
      authorizer = { lambda: simple.context ?? {} };
    }
    const invocation = await this.invoke(route.function, {
      ...event,
      requestContext: { ...event.requestContext, ...(authorizer ? { authorizer } : {}) },
    });
    if (invocation.error) return reply(500, { message: 'Internal Server Error' });
    const result = invocation.result as Partial<GatewayResponse> | null;
    // A result without a status code is taken as the JSON body of a 200 (payload format 2.0).
    if (typeof result !== 'object' || result === null || result.statusCode === undefined) return reply(200, result);
    return { statusCode: result.statusCode, headers: lowerCased(result.headers ?? {}), body: result.body ?? '' };
  }

  private invoke(name: string, event: unknown) {
    const container = this.containers.get(name);
    if (!container) throw new Error(`no container runs ${name}`);
    this.invoked.add(name);
    return container.invoke(event);
  }

  private event(route: Route, request: GatewayRequest, pathParameters: Record<string, string>) {
    const now = new Date();
    const headers = lowerCased({
      host: `${API_ID}.execute-api.${this.region}.amazonaws.com`,
      'user-agent': 'curl/8.5.0',
      'x-forwarded-for': request.sourceIp ?? '203.0.113.7',
      'x-forwarded-port': '443',
      'x-forwarded-proto': 'https',
      ...(request.body !== undefined ? { 'content-length': String(Buffer.byteLength(request.body)) } : {}),
      ...request.headers,
    });
    const query = request.query;
    return {
      version: '2.0',
      routeKey: route.routeKey,
      rawPath: request.path,
      rawQueryString: new URLSearchParams(query ?? {}).toString(),
      headers,
      ...(query ? { queryStringParameters: query } : {}),
      ...(route.names.length > 0 ? { pathParameters } : {}),
      requestContext: {
        accountId: ACCOUNT_ID,
        apiId: API_ID,
        domainName: headers.host,
        domainPrefix: API_ID,
        http: {
          method: request.method,
          path: request.path,
          protocol: 'HTTP/1.1',
          sourceIp: request.sourceIp ?? '203.0.113.7',
          userAgent: headers['user-agent'],
        },
        requestId: randomUUID(),
        routeKey: route.routeKey,
        stage: '$default',
        time: gatewayTime(now),
        timeEpoch: now.getTime(),
      },
      ...(request.body !== undefined ? { body: request.body } : {}),
      isBase64Encoded: false,
    };
  }
}

/** The request time as API Gateway writes it: `01/Dec/2026:08:13:56 +0000`. */
const gatewayTime = (date: Date): string => {
  const [, day, month, year, clock] = /^\w+, (\d+) (\w+) (\d+) ([\d:]+)/.exec(date.toUTCString()) as string[];
  return `${String(day)}/${String(month)}/${String(year)}:${String(clock)} +0000`;
};

const lowerCased = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

const reply = (statusCode: number, body: unknown): GatewayResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
