import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';

/** What API Gateway does with the authorizer's answer. */
export type GatewayDecision =
  | { kind: 'allow'; context: Record<string, unknown> }
  | { kind: 'refuse'; status: 401 | 403 | 500; body: { message: string } };

const REFUSALS = {
  401: { message: 'Unauthorized' },
  403: { message: 'Forbidden' },
  500: { message: 'Internal Server Error' },
} as const;
const refuse = (status: 401 | 403 | 500): GatewayDecision => ({ kind: 'refuse', status, body: REFUSALS[status] });

/**
 * The REQUEST authorizer event (payload 2.0) that API Gateway's `$default` stage builds for a
 * request on `routeKey`: lower-case header names, repeated headers and query parameters joined
 * with commas, cookies apart, no identity source (the authorizer declares none).
 */
export function authorizerEvent(
  request: IncomingMessage,
  routeKey: string,
  pathParameters: Record<string, string>,
): APIGatewayRequestAuthorizerEventV2 {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined && name !== 'cookie') headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = name in query ? `${query[name]},${value}` : value;
  const cookies = request.headers.cookie?.split(/;\s*/).filter(Boolean);
  const now = new Date();
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:us-east-1:000000000000:local/$default/${request.method ?? 'GET'}${url.pathname}`,
    identitySource: [],
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(url.search ? { queryStringParameters: query } : {}),
    pathParameters,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: (request.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
  } as APIGatewayRequestAuthorizerEventV2;
}

/**
 * Runs the authorizer function through serverless-offline's Lambda API, the same warm
 * containers with the same environment as for the routes serverless-offline serves, and maps its
 * answer as API Gateway does with simple responses: `isAuthorized` true admits, false is 403,
 * the `Unauthorized` error is 401, anything else 500.
 */
export async function invokeAuthorizer(
  lambdaEndpoint: string,
  functionName: string,
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<GatewayDecision> {
  let response: Response;
  try {
    response = await fetch(`${lambdaEndpoint}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`, {
      method: 'POST',
      body: JSON.stringify(event),
    });
  } catch {
    return refuse(500);
  }
  const payload = (await response.json().catch(() => undefined)) as
    { isAuthorized?: unknown; context?: Record<string, unknown>; errorMessage?: unknown } | undefined;
  if (response.headers.has('x-amz-function-error') || response.status !== 200) {
    return refuse(payload?.errorMessage === 'Unauthorized' ? 401 : 500);
  }
  if (payload?.isAuthorized === true) return { kind: 'allow', context: payload.context ?? {} };
  return payload?.isAuthorized === false ? refuse(403) : refuse(500);
}
