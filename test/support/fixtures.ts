import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { inject } from 'vitest';
import { handler as loginHandler } from '../../functions/login/handler.ts';
import { localClients } from '../../infra/local/stack.ts';
import { loadConfig, type Config } from '../../shared/config.ts';
import { createServices, type ServiceOverrides, type Services } from '../../shared/services.ts';
import { XucError } from '../../shared/errors.ts';
import { addUser, ensureUser as ensureUserOf, type NewUser } from '../../shared/users/user-admin.ts';
import { TEST_ENV } from './test-config.ts';

export const testConfig = () => loadConfig(TEST_ENV);

/** Services wired to the run's emulators, as the functions wire them. */
export function testServices(overrides: ServiceOverrides & { config?: Partial<Config> } = {}): Services {
  const { config, ...rest } = overrides;
  return createServices({ ...testConfig(), ...config }, { ...localClients(inject('endpoints')), ...rest });
}

/** A login no other test uses. */
export const uniqueLogin = (prefix = 'user'): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export async function createUser(
  services: Services,
  overrides: Partial<NewUser> = {},
): Promise<{ login: string; password: string }> {
  const user = {
    login: uniqueLogin(),
    password: `pw-${randomUUID()}`,
    profile: 'agent',
    ctiLoginEnabled: true,
    ...overrides,
  };
  await addUser(services.users, user, services.passwordPolicy);
  return { login: user.login, password: user.password ?? '' };
}

/** An HTTP API (payload 2.0) event as API Gateway builds it. */
export function httpEvent(options: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  pathParameters?: Record<string, string>;
  authorizer?: unknown;
  /** The address API Gateway saw the request come from. */
  sourceIp?: string;
}): APIGatewayProxyEventV2 {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/xuc/api/2.0/auth/check';
  return {
    version: '2.0',
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: options.headers ?? {},
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'test',
      domainName: 'test.local',
      domainPrefix: 'test',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: options.sourceIp ?? '127.0.0.1', userAgent: 'vitest' },
      requestId: randomUUID(),
      routeKey: `${method} ${path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
      ...(options.authorizer ? { authorizer: options.authorizer } : {}),
    },
  };
}

/** `POST /login` through the login function; a body that is not a string is sent as JSON. */
export const postLogin = (body: unknown, extra: Parameters<typeof httpEvent>[0] = {}) =>
  loginHandler(
    httpEvent({
      method: 'POST',
      path: '/xuc/api/2.0/auth/login',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      ...extra,
    }),
    lambdaContext,
  );

export function authorizerEvent(options: {
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}): APIGatewayRequestAuthorizerEventV2 {
  const event = httpEvent({ ...options, method: 'GET', path: options.path ?? '/xuc/api/2.0/auth/tokens' });
  return {
    ...event,
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:test',
    identitySource: [],
  } as unknown as APIGatewayRequestAuthorizerEventV2;
}

/** A Lambda context, less the deprecated callbacks (done, fail, succeed) that nothing calls. */
export const lambdaContext = {
  functionName: 'test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:test',
  memoryLimitInMB: '256',
  awsRequestId: randomUUID(),
  logGroupName: 'test',
  logStreamName: 'test',
  callbackWaitsForEmptyEventLoop: false,
  getRemainingTimeInMillis: () => 10_000,
} as Context;

/** The parsed JSON body of a handler's answer. */
export const bodyOf = (result: { body?: string | undefined }): Record<string, unknown> =>
  JSON.parse(result.body ?? 'null') as Record<string, unknown>;

/** A user with a fixed login (as external identity providers know it), created once per run. */
export async function ensureUser(services: Services, login: string): Promise<void> {
  await ensureUserOf(services.users, { login, profile: 'agent', ctiLoginEnabled: true }, services.passwordPolicy);
}

/** The contract error a promise rejects with; fails the test when it resolves or rejects otherwise. */
export async function refusal(promise: Promise<unknown>): Promise<XucError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof XucError)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error;
}
