import { describe, expect, it } from 'vitest';
import { syncRefusal } from '../support/sync-refusal.ts';
import {
  bearerToken,
  fields,
  header,
  integerParameter,
  jsonBody,
  MAX_BODY_BYTES,
  presentedToken,
} from '../../shared/http/request.ts';

describe('headers and presented tokens', () => {
  it('finds headers whatever their case', () => {
    expect(header({ 'X-Auth-Token': 'a' }, 'x-auth-token')).toBe('a');
    expect(header({ 'x-auth-token': 'b' }, 'X-Auth-Token')).toBe('b');
    expect(header(undefined, 'x')).toBeUndefined();
    expect(header({ Accept: '*/*', 'X-Auth-Token': 'c' }, 'x-auth-token')).toBe('c');
    expect(header({ Accept: '*/*' }, 'x-auth-token')).toBeUndefined();
  });

  it.each([
    ['Bearer tok', 'tok'],
    ['bearer   tok  ', 'tok'],
    ['Bearer\ttok', 'tok'],
    ['Bearer', undefined],
    ['Bearer tok en', undefined],
    ['NotBearer tok', undefined],
    ['Basic Zm9vOmJhcg==', undefined],
  ])('reads the credential of "Authorization: %s" as %s', (authorization, credential) => {
    expect(bearerToken({ headers: { Authorization: authorization } })).toBe(credential);
    expect(presentedToken({ headers: { authorization } })?.token).toBe(credential);
  });

  it('reads no Bearer credential from a request without one', () => {
    expect(bearerToken({})).toBeUndefined();
    expect(bearerToken({ headers: { 'X-Auth-Token': 't' } })).toBeUndefined();
  });

  it('takes the token from Bearer, X-Auth-Token or the query, naming where it was found', () => {
    expect(presentedToken({ headers: { Authorization: 'Bearer t' } })).toEqual({ token: 't', source: 'bearer' });
    expect(presentedToken({ headers: { 'X-AUTH-TOKEN': 't' } })).toEqual({ token: 't', source: 'header' });
    expect(presentedToken({ queryStringParameters: { token: 't' } })).toEqual({ token: 't', source: 'query' });
    // The same token in several places is one token, read from the first.
    const everywhere = {
      headers: { Authorization: 'Bearer t', 'x-auth-token': 't' },
      queryStringParameters: { token: 't' },
    };
    expect(presentedToken(everywhere)).toEqual({ token: 't', source: 'bearer' });
  });

  it.each([
    [{ headers: { Authorization: 'Bearer alice', 'X-Auth-Token': 'demo' } }],
    [{ headers: { 'x-auth-token': 'a' }, queryStringParameters: { token: 'b' } }],
    [{ headers: { Authorization: 'Bearer a' }, queryStringParameters: { token: 'b' } }],
  ])('refuses two different tokens in one request: %j', (request) => {
    expect(syncRefusal(() => presentedToken(request))).toMatchObject({
      code: 'InvalidRequest',
      message: 'Two different tokens in one request',
    });
  });

  it('ignores other authorization schemes and empty values', () => {
    expect(presentedToken({ headers: { authorization: 'Basic Zm9vOmJhcg==' } })).toBeUndefined();
    expect(presentedToken({ headers: { authorization: 'bearer lower' } })).toEqual({
      token: 'lower',
      source: 'bearer',
    });
    expect(presentedToken({ headers: { 'x-auth-token': '  ' }, queryStringParameters: { token: '' } })).toBeUndefined();
  });

  it('takes no other header or query parameter for a token, and trims the one it takes', () => {
    expect(presentedToken({ headers: { accept: '*/*' }, queryStringParameters: { other: 'x' } })).toBeUndefined();
    expect(presentedToken({ headers: { accept: '*/*', 'X-Auth-Token': 't' } })).toEqual({
      token: 't',
      source: 'header',
    });
    expect(presentedToken({ queryStringParameters: { token: ' t ' } })).toEqual({ token: 't', source: 'query' });
    expect(presentedToken({ headers: { 'x-auth-token': 't' }, queryStringParameters: { token: ' t' } })).toEqual({
      token: 't',
      source: 'header',
    });
  });
});

describe('JSON bodies', () => {
  it('parses a JSON object, plain or base64-encoded', () => {
    expect(jsonBody({ body: '{"a":1}' })).toEqual({ a: 1 });
    expect(jsonBody({ body: Buffer.from('{"a":"é"}').toString('base64'), isBase64Encoded: true })).toEqual({ a: 'é' });
  });

  it('takes a body of exactly 16 KB, counted in bytes', () => {
    // {"pad":"…"} is 10 bytes around the padding.
    expect(jsonBody({ body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES - 10) }) })).toHaveProperty('pad');
    expect(
      syncRefusal(() => jsonBody({ body: JSON.stringify({ pad: 'é'.repeat(MAX_BODY_BYTES / 2 - 4) }) })).code,
    ).toBe('InvalidRequest');
  });

  it.each([
    ['no body', { body: undefined }, 'InvalidJson', 'Request body is required'],
    ['empty body', { body: '' }, 'InvalidJson', 'Request body is required'],
    ['malformed JSON', { body: '{"login": ' }, 'InvalidJson', 'Request body is not valid JSON'],
    ['a JSON array', { body: '[1,2]' }, 'InvalidJson', 'Request body must be a JSON object'],
    ['a JSON string', { body: '"text"' }, 'InvalidJson', 'Request body must be a JSON object'],
    ['JSON null', { body: 'null' }, 'InvalidJson', 'Request body must be a JSON object'],
    [
      'non-UTF-8 bytes (base64)',
      { body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('base64'), isBase64Encoded: true },
      'InvalidJson',
      'Request body is not valid UTF-8',
    ],
    [
      'a truncated UTF-8 sequence (base64)',
      { body: Buffer.from([0x7b, 0x7d, 0xc3]).toString('base64'), isBase64Encoded: true },
      'InvalidJson',
      'Request body is not valid UTF-8',
    ],
    [
      'non-UTF-8 bytes (decoded by the gateway)',
      { body: '{"login":"\uFFFD"}' },
      'InvalidJson',
      'Request body is not valid UTF-8',
    ],
    [
      'a body over the limit',
      { body: JSON.stringify({ pad: 'x'.repeat(MAX_BODY_BYTES) }) },
      'InvalidRequest',
      `Request body exceeds ${String(MAX_BODY_BYTES)} bytes`,
    ],
  ])('refuses %s with 400 %s', (_, request, code, message) => {
    const error = syncRefusal(() => jsonBody(request));
    expect(error.toJSON()).toEqual({ error: code, message });
    expect(error.status).toBe(400);
  });

  it('does not repeat the body in its error (it may hold a password)', () => {
    const error = syncRefusal(() => jsonBody({ body: '{"password":"hunter2"' }));
    expect(JSON.stringify(error.toJSON())).not.toContain('hunter2');
    expect(error.cause).toBeUndefined();
  });
});

describe('field checks', () => {
  const spec = {
    login: { type: 'string', required: true, maxLength: 8 },
    expiration: { type: 'integer', min: 1, max: 100 },
  } as const;

  it('keeps the named fields and drops the rest', () => {
    expect(fields({ login: 'alice', expiration: 5, extra: true }, spec)).toEqual({ login: 'alice', expiration: 5 });
    expect(fields({ login: 'alice' }, spec)).toEqual({ login: 'alice' });
    expect(fields({ login: 'alice', expiration: null }, spec)).toEqual({ login: 'alice' });
  });

  it('takes the bounds themselves', () => {
    expect(fields({ login: 'abcdefgh', expiration: 1 }, spec)).toEqual({ login: 'abcdefgh', expiration: 1 });
    expect(fields({ login: 'a', expiration: 100 }, spec)).toEqual({ login: 'a', expiration: 100 });
  });

  it.each([
    [{}, 'Field "login" is required'],
    [{ login: null }, 'Field "login" is required'],
    [{ login: 'abcdefghi' }, 'Field "login" is longer than 8 characters'],
    [{ login: 'a', expiration: 101 }, 'Field "expiration" must be an integer between 1 and 100'],
    [{ login: '' }, 'Field "login" must be a non-empty string'],
    [{ login: 42 }, 'Field "login" must be a non-empty string'],
    [{ login: 'much-too-long' }, 'Field "login" is longer than 8 characters'],
    [{ login: 'a', expiration: '5' }, 'Field "expiration" must be an integer between 1 and 100'],
    [{ login: 'a', expiration: 1.5 }, 'Field "expiration" must be an integer between 1 and 100'],
    [{ login: 'a', expiration: 0 }, 'Field "expiration" must be an integer between 1 and 100'],
  ])('refuses %j', (body, message) => {
    const error = syncRefusal(() => fields(body, spec));
    expect(error.toJSON()).toEqual({ error: 'InvalidJson', message });
  });
});

describe('integer query parameters', () => {
  const limit = (value?: string) => integerParameter({ queryStringParameters: { limit: value } }, 'limit', 1, 100);

  it('reads a decimal integer within bounds, and nothing when absent', () => {
    expect(limit('1')).toBe(1);
    expect(limit('100')).toBe(100);
    expect(limit('007')).toBe(7);
    expect(limit(undefined)).toBeUndefined();
    expect(integerParameter({}, 'limit', 1, 100)).toBeUndefined();
  });

  it.each(['0', '101', '', ' 5', '5 ', '-1', '1.5', '1e2', '0x10', 'x', '9'.repeat(20)])(
    'refuses %j with InvalidRequest naming the parameter and its bounds',
    (value) => {
      expect(syncRefusal(() => limit(value))).toMatchObject({
        code: 'InvalidRequest',
        message: 'Query parameter "limit" must be an integer from 1 to 100',
      });
    },
  );
});
