import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../infra/local/servers.ts';
import { privateStackEnv, startLocalStack, type RunningStack } from '../../infra/local/run-stack.ts';
import { ifAssigned } from '../support/hooks.ts';
import { findCredentials } from '../support/log-capture.ts';

const SHARED_TOKEN = 'e2e-http-shared-token-0123456789abcdefghijk';
const WEB_APP = 'http://app.example.test:8080';
const ELSEWHERE = 'http://evil.example.test';
const dataDir = mkdtempSync(join(tmpdir(), 'xuc-auth-e2e-http-'));
/** A recording: every byte value, then random bytes (a body that is not valid UTF-8). */
const RECORDING = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(200_000)]);

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** XiVO's configmgt and recording APIs, as far as a proxy can tell: it keeps what it receives. */
function startUpstream(received: Received[]): Server {
  return createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const url = request.url ?? '';
      if (url.startsWith('/configmgt/hang')) return; // never answers
      if (url.startsWith('/recording/records/')) {
        response.writeHead(200, { 'content-type': 'audio/wav', 'x-upstream': 'recording' });
        return response.end(request.method === 'POST' ? body : RECORDING);
      }
      if (url.startsWith('/configmgt/missing')) {
        response.writeHead(404, { 'content-type': 'application/json' });
        return response.end('{"error":"not here"}');
      }
      response.writeHead(request.method === 'POST' ? 201 : 200, {
        'content-type': 'application/json',
        // XiVO's own CORS, which API Gateway replaces when it has a CORS configuration.
        'access-control-allow-origin': '*',
        'x-upstream': 'configmgt',
        location: '/configmgt/api/1.0/users/42',
      });
      response.end(JSON.stringify({ echoed: body.toString('utf8') }));
    });
  });
}

let upstream: Server;
let upstreamUrl: string;
const received: Received[] = [];
let stack: RunningStack;
let lambdaPort: string;
let api: string;
let auth: string;
let userToken: string;

beforeAll(async () => {
  upstream = startUpstream(received);
  upstreamUrl = `http://127.0.0.1:${await listen(upstream, 0)}`;
  const env = await privateStackEnv(dataDir, SHARED_TOKEN);
  api = `http://localhost:${env.PORT}`;
  lambdaPort = env.LAMBDA_PORT;
  auth = `${api}/xuc/api/2.0/auth`;
  stack = await startLocalStack({
    ...env,
    CONFIGMGT_URL: `${upstreamUrl}/configmgt/`,
    RECORDING_URL: `${upstreamUrl}/recording`,
    UPSTREAM_TIMEOUT_MS: '1000',
    CORS_ALLOWED_ORIGINS: `${WEB_APP},http://other.example.test`,
  });
  const login = await fetch(`${auth}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: 'demo', password: 'demo-password' }),
  });
  userToken = ((await login.json()) as { token: string }).token;
}, 120_000);

afterAll(async () => {
  await ifAssigned(stack)?.stop();
  if (ifAssigned(upstream)?.listening) await closeServer(upstream);
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

const asServer = { 'X-Auth-Token': SHARED_TOKEN };
/** The CORS headers of an answer, by name. */
const corsOf = (response: Response) =>
  Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')));
const preflight = (url: string, origin: string, method = 'DELETE') =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      Origin: origin,
      'Access-Control-Request-Method': method,
      'Access-Control-Request-Headers': 'x-auth-token,content-type',
    },
  });
const last = () => received.at(-1);

describe('CORS on the local stack, as API Gateway does it with CORS_ALLOWED_ORIGINS', { timeout: 30_000 }, () => {
  const allowedPreflight = {
    'access-control-allow-origin': WEB_APP,
    'access-control-allow-methods': 'GET,POST,DELETE',
    'access-control-allow-headers': 'X-Auth-Token,Authorization,Content-Type',
    'access-control-allow-credentials': 'true',
    'access-control-max-age': '600',
  };
  const allowedAnswer = {
    'access-control-allow-origin': WEB_APP,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': 'WWW-Authenticate',
  };

  it('answers the preflight of an allowed origin itself, before any route or authorizer', async () => {
    for (const url of [`${auth}/tokens/abc`, `${auth}/login`, `${api}/configmgt/api/1.0/users`]) {
      const response = await preflight(url, WEB_APP);
      expect(response.status, url).toBe(204);
      expect(corsOf(response), url).toEqual(allowedPreflight);
    }
  });

  it('gives the preflight of any other origin no CORS header at all', async () => {
    for (const origin of [ELSEWHERE, `${WEB_APP}/`, 'http://app.example.test', 'null']) {
      const response = await preflight(`${auth}/tokens`, origin);
      expect(response.status).toBe(204);
      expect(corsOf(response), origin).toEqual({});
    }
  });

  it("puts its own CORS headers on every answer to an allowed origin, refusals and the upstream's included", async () => {
    const answers = [
      await fetch(`${auth}/health`, { headers: { Origin: WEB_APP } }),
      await fetch(`${auth}/tokens`, { headers: { Origin: WEB_APP } }),
      await fetch(`${auth}/tokens`, { headers: { Origin: WEB_APP, 'X-Auth-Token': userToken } }),
      await fetch(`${auth}/login`, { method: 'POST', headers: { Origin: WEB_APP }, body: '{}' }),
      await fetch(`${api}/configmgt/api/1.0/users`, { headers: { Origin: WEB_APP, ...asServer } }),
    ];
    expect(answers.map((response) => response.status)).toEqual([200, 401, 200, 400, 200]);
    for (const response of answers) expect(corsOf(response), response.url).toEqual(allowedAnswer);
  });

  it('gives any other origin, or a request without one, no CORS header at all', async () => {
    for (const headers of [{ Origin: ELSEWHERE }, { Origin: 'null' }, {}]) {
      const answers = [
        await fetch(`${auth}/health`, { headers }),
        await fetch(`${auth}/tokens`, { headers }),
        await fetch(`${api}/configmgt/api/1.0/users`, { headers: { ...headers, ...asServer } }),
        await fetch(`${auth}/nowhere`, { headers }),
      ];
      expect(answers.map((response) => response.status)).toEqual([200, 401, 200, 404]);
      for (const response of answers)
        expect(corsOf(response), `${response.url} ${JSON.stringify(headers)}`).toEqual({});
    }
  });
});

describe('the XiVO proxy routes of the local stack, behind the real authorizer', { timeout: 30_000 }, () => {
  it('announces the routes it proxies', () => {
    expect(stack.output()).toContain(`${api}/configmgt/… → ${upstreamUrl}/configmgt/…`);
    expect(stack.output()).toContain(`${api}/recording/… → ${upstreamUrl}/recording/…`);
  });

  it('passes method, path, query and headers (the shared token included) and brings the answer back unchanged', async () => {
    const response = await fetch(`${api}/configmgt/api/1.0/users?search=a%20b&limit=2&limit=3`, {
      headers: { ...asServer, 'X-Request-Tag': 'tag-1', Accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-upstream')).toBe('configmgt');
    expect(response.headers.get('location')).toBe('/configmgt/api/1.0/users/42');
    expect(await response.json()).toEqual({ echoed: '' });
    expect(last()).toMatchObject({
      method: 'GET',
      url: '/configmgt/api/1.0/users?search=a%20b&limit=2&limit=3',
      headers: {
        'x-auth-token': SHARED_TOKEN,
        'x-request-tag': 'tag-1',
        accept: 'application/json',
        host: upstreamUrl.replace('http://', ''),
      },
    });
  });

  it('passes a POST body and the upstream status (201), and its 404', async () => {
    const body = JSON.stringify({ username: 'alice', firstname: 'Alice' });
    const created = await fetch(`${api}/configmgt/api/1.0/users`, {
      method: 'POST',
      headers: { ...asServer, 'content-type': 'application/json' },
      body,
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ echoed: body });
    expect(last()).toMatchObject({ method: 'POST', url: '/configmgt/api/1.0/users' });
    expect(last()?.headers['content-type']).toBe('application/json');

    const missing = await fetch(`${api}/configmgt/missing/thing`, { method: 'DELETE', headers: asServer });
    expect(missing.status).toBe(404);
    expect(await missing.text()).toBe('{"error":"not here"}');
    expect(last()).toMatchObject({ method: 'DELETE', url: '/configmgt/missing/thing' });
  });

  it('brings a binary recording back byte for byte, and takes one up the same way', async () => {
    const download = await fetch(`${api}/recording/records/call-1/audio`, { headers: asServer });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('audio/wav');
    expect(Buffer.from(await download.arrayBuffer()).equals(RECORDING)).toBe(true);
    expect(last()).toMatchObject({ method: 'GET', url: '/recording/records/call-1/audio' });

    const upload = await fetch(`${api}/recording/records/call-2/audio`, {
      method: 'POST',
      headers: { ...asServer, 'content-type': 'application/octet-stream' },
      body: RECORDING,
    });
    expect(upload.status).toBe(200);
    expect(last()?.body.equals(RECORDING)).toBe(true);
    expect(Buffer.from(await upload.arrayBuffer()).equals(RECORDING)).toBe(true);
  });

  it('asks for a body sent with Expect: 100-continue (as curl does) only once the caller is admitted', async () => {
    const send = (headers: Record<string, string>) =>
      new Promise<{ status: number; continued: boolean }>((resolve, reject) => {
        let continued = false;
        const request = httpRequest(`${api}/recording/records/call-3/audio`, {
          method: 'POST',
          headers: { ...headers, expect: '100-continue', 'content-length': String(RECORDING.length) },
        });
        request.on('continue', () => {
          continued = true;
          request.end(RECORDING);
        });
        request.on('response', (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, continued }));
        });
        request.on('error', reject);
      });
    expect(await send(asServer)).toEqual({ status: 200, continued: true });
    expect(last()?.body.equals(RECORDING)).toBe(true);
    expect(last()?.headers.expect).toBeUndefined();
    expect(await send({})).toEqual({ status: 401, continued: false });
  });

  it('refuses without a token (401), with a user token (403) and with the shared token anywhere but X-Auth-Token (403)', async () => {
    const before = received.length;
    const refusals = [
      [{}, '', 401],
      [{ 'X-Auth-Token': userToken }, '', 403],
      [{ Authorization: `Bearer ${userToken}` }, '', 403],
      [{ Authorization: `Bearer ${SHARED_TOKEN}` }, '', 403],
      [{}, `?token=${SHARED_TOKEN}`, 403],
      [{ 'X-Auth-Token': 'garbage' }, '', 403],
    ] as const;
    for (const [headers, query, status] of refusals) {
      const response = await fetch(`${api}/configmgt/api/1.0/users${query}`, { method: 'POST', headers, body: '{}' });
      expect(response.status, JSON.stringify(headers) + query).toBe(status);
      expect(await response.json()).toEqual({ message: status === 401 ? 'Unauthorized' : 'Forbidden' });
    }
    // The user token is valid, and admitted on the routes that are not the shared token's.
    expect((await fetch(`${auth}/tokens`, { headers: { 'X-Auth-Token': userToken } })).status).toBe(200);
    expect(received.length).toBe(before);
  });

  it('answers 504 UpstreamTimeout when the upstream stays silent for UPSTREAM_TIMEOUT_MS', async () => {
    const started = Date.now();
    const response = await fetch(`${api}/configmgt/hang`, { headers: asServer });
    expect(response.status).toBe(504);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ error: 'UpstreamTimeout', message: 'Upstream did not answer in time' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('answers 502 UpstreamUnavailable when the upstream is down', async () => {
    await closeServer(upstream);
    const response = await fetch(`${api}/recording/records/call-1/audio`, { headers: asServer });
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ error: 'UpstreamUnavailable', message: 'Upstream unavailable' });
    expect(stack.output()).toContain('proxy GET /recording/records/call-1/audio: UpstreamUnavailable');
  });

  it('wrote no credential to its output, though the shared token went through the query string too', () => {
    // The start-up text shows the demo user's password on purpose (the README's quick start); no log line may.
    const lines = stack.output().split('\n');
    const scanned = lines.filter((line) => !line.includes('demo-password') || line.includes('{"level"'));
    expect(scanned.some((line) => line.includes('"audit":"authorizer"'))).toBe(true);
    expect(findCredentials(scanned, [SHARED_TOKEN, userToken])).toEqual([]);
  });
});

describe("serverless-offline's Lambda invoke port serves local callers only", { timeout: 30_000 }, () => {
  const invocations = '/2015-03-31/functions/xuc-auth-local-authorizer/invocations';
  const event = (token: string) =>
    JSON.stringify({
      version: '2.0',
      type: 'REQUEST',
      routeKey: 'ANY /configmgt/{proxy+}',
      rawPath: '/configmgt/api/1.0/users',
      headers: { 'x-auth-token': token },
      requestContext: { http: { method: 'GET', sourceIp: '127.0.0.1' } },
    });

  /** A request as a web page or a DNS-rebound domain sends it: any Host, any Origin, straight to 127.0.0.1. */
  const invoke = (headers: Record<string, string>, body: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port: lambdaPort, path: invocations, method: 'POST', headers });
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      });
      request.on('error', reject);
      request.end(body);
    });

  it("answers the README's curl form: the shared token admitted, a user token refused", () => {
    const curl = (token: string) =>
      spawnSync('curl', ['-s', '-X', 'POST', `http://localhost:${lambdaPort}${invocations}`, '-d', event(token)], {
        encoding: 'utf8',
      }).stdout;
    expect(JSON.parse(curl(SHARED_TOKEN))).toEqual({ isAuthorized: true, context: { principal: 'server' } });
    expect(JSON.parse(curl(userToken))).toEqual({ isAuthorized: false });
  });

  it('refuses a request addressed to another name than a loopback one, or sent with an Origin', async () => {
    const port = lambdaPort;
    expect((await invoke({ host: `127.0.0.1:${port}` }, event(SHARED_TOKEN))).status).toBe(200);
    for (const headers of [
      { host: `rebound.example.test:${port}` },
      { host: `localhost.example.test:${port}` },
      { host: `127.0.0.1:${port}`, origin: 'http://evil.example.test' },
      { host: `localhost:${port}`, origin: 'null' },
      { host: `localhost:${port}`, origin: WEB_APP },
      { host: `rebound.example.test:${port}`, expect: '100-continue' },
    ]) {
      const refused = await invoke(headers, event(SHARED_TOKEN));
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(refused.body).not.toContain('isAuthorized');
      expect(JSON.parse(refused.body)).toMatchObject({ __type: 'AccessDeniedException' });
    }
  });
});

describe('the local stack without CORS_ALLOWED_ORIGINS', { timeout: 30_000 }, () => {
  const bareDir = mkdtempSync(join(tmpdir(), 'xuc-auth-e2e-bare-'));
  let bare: RunningStack;
  let bareApi: string;
  let xivo: Server;

  beforeAll(async () => {
    xivo = startUpstream([]);
    const xivoUrl = `http://127.0.0.1:${await listen(xivo, 0)}`;
    const env = await privateStackEnv(bareDir, SHARED_TOKEN);
    bareApi = `http://localhost:${env.PORT}`;
    bare = await startLocalStack({ ...env, CONFIGMGT_URL: `${xivoUrl}/configmgt` });
  }, 120_000);

  afterAll(async () => {
    await ifAssigned(bare)?.stop();
    if (ifAssigned(xivo)?.listening) await closeServer(xivo);
    rmSync(bareDir, { recursive: true, force: true });
  }, 30_000);

  it('adds no CORS header to any answer, whatever the origin (serverless-offline reflects every one)', async () => {
    for (const origin of [WEB_APP, ELSEWHERE]) {
      const answers = [
        await fetch(`${bareApi}/xuc/api/2.0/auth/health`, { headers: { Origin: origin } }),
        await fetch(`${bareApi}/xuc/api/2.0/auth/tokens`, { headers: { Origin: origin } }),
        await preflight(`${bareApi}/xuc/api/2.0/auth/tokens`, origin),
      ];
      expect(answers[0]?.status).toBe(200);
      expect(answers[1]?.status).toBe(401);
      for (const response of answers) expect(corsOf(response), `${response.url} ${origin}`).toEqual({});
    }
  });

  it("passes the upstream's own CORS headers on, as API Gateway does without a CORS configuration", async () => {
    const response = await fetch(`${bareApi}/configmgt/api/1.0/users`, { headers: { Origin: WEB_APP, ...asServer } });
    expect(response.status).toBe(200);
    expect(corsOf(response)).toEqual({ 'access-control-allow-origin': '*' });
  });

  it('serves no route that is not configured: /recording/ is a 404 without RECORDING_URL', async () => {
    const response = await fetch(`${bareApi}/recording/records/x`, { headers: asServer });
    expect(response.status).toBe(404);
  });
});
