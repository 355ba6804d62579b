import { XucError } from '../errors.ts';

/** The parts of an API Gateway HTTP API event (payload 2.0) that requests are read from. */
export interface HttpRequestParts {
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined> | null;
  body?: string | null | undefined;
  isBase64Encoded?: boolean;
}

/** Room for the largest field, an OpenID Connect token (MAX_OIDC_TOKEN_LENGTH), and its JSON. */
export const MAX_BODY_BYTES = 20 * 1024;

/**
 * A header by name, case-insensitively: API Gateway lowercases header names, serverless-offline
 * hands them over as the client sent them.
 */
export function header(headers: HttpRequestParts['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

export type TokenSource = 'bearer' | 'header' | 'query';

/** The credential of an `Authorization: Bearer <credential>` header. */
export function bearerToken(request: HttpRequestParts): string | undefined {
  return header(request.headers, 'authorization')
    ?.trim()
    .match(/^Bearer\s+(\S+)$/i)?.[1];
}

/**
 * The presented token, from the first of `Authorization: Bearer`, `X-Auth-Token`, `?token=`
 * that is present (openapi.yaml, securitySchemes). Two different tokens in one request are
 * refused (`InvalidRequest`): which one a proxy, a log or a back end reads would be anyone's guess.
 */
export function presentedToken(request: HttpRequestParts): { token: string; source: TokenSource } | undefined {
  // One pass over the headers: the authorizer runs this on every request.
  let authorization: string | undefined;
  let xAuthToken: string | undefined;
  const headers = request.headers ?? {};
  for (const key in headers) {
    const name = key.toLowerCase();
    if (name === 'authorization') authorization = headers[key];
    else if (name === 'x-auth-token') xAuthToken = headers[key];
  }
  const bearer = authorization?.trim().match(/^Bearer\s+(\S+)$/i)?.[1];
  const header = xAuthToken?.trim() || undefined;
  const query = request.queryStringParameters?.token?.trim() || undefined;
  const token = bearer ?? header ?? query;
  if (token === undefined) return undefined;
  // The token is the first of the three present: only the later ones can differ from it.
  if ((header !== undefined && header !== token) || (query !== undefined && query !== token)) {
    throw new XucError('InvalidRequest', { message: 'Two different tokens in one request' });
  }
  return { token, source: bearer ? 'bearer' : header ? 'header' : 'query' };
}

/** A query parameter that must be a decimal integer from `min` to `max` when present. */
export function integerParameter(
  request: HttpRequestParts,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const raw = request.queryStringParameters?.[name];
  if (raw === undefined) return undefined;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw new XucError('InvalidRequest', {
      message: `Query parameter "${name}" must be an integer from ${min} to ${max}`,
    });
  }
  return value;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The request body parsed as a JSON object. Oversized bodies, bytes that are not UTF-8 and
 * text that is not a JSON object are refused with the contract's 400 answers.
 */
export function jsonBody(request: HttpRequestParts): Record<string, unknown> {
  if (!request.body) throw new XucError('InvalidJson', { message: 'Request body is required' });
  const bytes = request.isBase64Encoded ? Buffer.from(request.body, 'base64') : Buffer.from(request.body);
  if (bytes.length > MAX_BODY_BYTES) {
    throw new XucError('InvalidRequest', { message: `Request body exceeds ${MAX_BODY_BYTES} bytes` });
  }
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new XucError('InvalidJson', { message: 'Request body is not valid UTF-8' });
  }
  // A text body reaches us already decoded; bytes that were not UTF-8 show up as U+FFFD.
  if (!request.isBase64Encoded && text.includes('\uFFFD')) {
    throw new XucError('InvalidJson', { message: 'Request body is not valid UTF-8' });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the body, which may hold a password: it is not kept.
    throw new XucError('InvalidJson', { message: 'Request body is not valid JSON' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new XucError('InvalidJson', { message: 'Request body must be a JSON object' });
  }
  return value as Record<string, unknown>;
}

interface StringField {
  type: 'string';
  required?: boolean;
  maxLength: number;
}
interface IntegerField {
  type: 'integer';
  required?: boolean;
  min: number;
  max: number;
}
type FieldSpec = StringField | IntegerField;
type FieldValue<F> = F extends StringField ? string : number;
type Fields<S extends Record<string, FieldSpec>> = {
  [K in keyof S as S[K]['required'] extends true ? K : never]: FieldValue<S[K]>;
} & {
  [K in keyof S as S[K]['required'] extends true ? never : K]?: FieldValue<S[K]>;
};

/** Picks and checks the named fields of a JSON object; unknown fields are ignored. */
export function fields<S extends Record<string, FieldSpec>>(body: Record<string, unknown>, spec: S): Fields<S> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(spec)) {
    const value = body[name];
    if (value === undefined || value === null) {
      if (field.required) throw new XucError('InvalidJson', { message: `Field "${name}" is required` });
      continue;
    }
    if (field.type === 'string') {
      if (typeof value !== 'string' || (field.required && value.length === 0)) {
        throw new XucError('InvalidJson', { message: `Field "${name}" must be a non-empty string` });
      }
      if (value.length > field.maxLength) {
        throw new XucError('InvalidJson', { message: `Field "${name}" is longer than ${field.maxLength} characters` });
      }
    } else if (!Number.isInteger(value) || (value as number) < field.min || (value as number) > field.max) {
      throw new XucError('InvalidJson', {
        message: `Field "${name}" must be an integer between ${field.min} and ${field.max}`,
      });
    }
    out[name] = value;
  }
  return out as Fields<S>;
}
