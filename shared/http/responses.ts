import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { XucError } from '../errors.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2;

// Answers carry credentials or depend on them: never cached by a browser or a proxy.
const BASE_HEADERS = { 'cache-control': 'no-store' } as const;

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

export function noContent(): HttpResult {
  return { statusCode: 204, headers: { ...BASE_HEADERS } };
}

/** The contract's `{login, token, TTL}` answer to every successful exchange. */
export function tokenResponse(
  issued: { token: string; ttl: number; record: { login: string } },
  headers?: Record<string, string>,
): HttpResult {
  return json(200, { login: issued.record.login, token: issued.token, TTL: issued.ttl }, headers);
}

/** The contract's `{error, message}` answer; anything that is not an `XucError` says nothing more than `UnhandledError`. */
export function errorResponse(error: unknown): HttpResult {
  const known = error instanceof XucError ? error : new XucError('UnhandledError');
  return json(known.status, known.toJSON(), { ...known.headers });
}
