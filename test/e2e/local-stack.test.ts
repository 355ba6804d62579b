import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Middleware } from 'openapi-fetch';
import type { OpenAPI3 } from 'openapi-typescript';
import { parse } from 'yaml';
import { createXucAuthClient, type XucAuthClientOptions } from '../../client/xuc-auth-client.ts';
import { generateClientSchema, SCHEMA_FILE, SPEC_FILE } from '../../client/generate.ts';
import { privateStackEnv, startLocalStack, type RunningStack } from '../../infra/local/run-stack.ts';
import { findCredentials } from '../support/log-capture.ts';
import { OpenApiContract } from '../support/openapi-contract.ts';
import { ifAssigned } from '../support/hooks.ts';
import { chromium } from 'playwright-core';
import { OIDC_API_AUDIENCE, startOidcPeer, type OidcPeer } from '../../infra/peers/oidc-provider.ts';
import { startCasServer, type CasServer } from '../../infra/peers/cas-server.ts';
import { startKdc, type Kdc } from '../../infra/peers/kdc.ts';
import { settleAll } from '../../infra/peers/settle.ts';

const SHARED_TOKEN = 'e2e-shared-token-0123456789abcdefghijklmnop';
const dataDir = mkdtempSync(join(tmpdir(), 'xuc-auth-e2e-'));
let env: Record<string, string>;
let stack: RunningStack;
let base: string;
let oidc: OidcPeer;
let cas: CasServer;
let kdc: Kdc;

const contract = new OpenApiContract();
const answered: { method: string; path: string; status: number; body: unknown }[] = [];

/** One request to the stack; every answer is kept, to be checked against openapi.yaml at the end. */
async function call(
  method: string,
  path: string,
  options: { headers?: Record<string, string> | undefined; body?: string } = {},
) {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body ? { body: options.body } : {}),
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  answered.push({ method, path: new URL(`${base}${path}`).pathname, status: response.status, body });
  return { status: response.status, body, headers: response.headers };
}

/** Keeps every answer the typed client receives, to be checked against openapi.yaml with the others. */
const recordAnswers: Middleware = {
  async onResponse({ request, response }) {
    const text = await response.clone().text();
    const json = response.headers.get('content-type')?.startsWith('application/json');
    const body = text && json ? (JSON.parse(text) as unknown) : undefined;
    answered.push({ method: request.method, path: new URL(request.url).pathname, status: response.status, body });
  },
};

/** The typed client generated from openapi.yaml, as an integrator uses it. */
function typedClient(options: XucAuthClientOptions = {}) {
  const client = createXucAuthClient(`http://localhost:${env.PORT}`, options);
  client.use(recordAnswers);
  return client;
}

/** The CLI, run as a user would against the running stack (it finds the stack through LOCAL_DATA_DIR). */
const admin = (args: string[], input = '') =>
  spawnSync(process.execPath, ['cli/bin.mjs', ...args], {
    input,
    env: { ...process.env, ...env, AWS_ENDPOINT_URL_DYNAMODB: '' },
    encoding: 'utf8',
  });

const loginAs = (login: string, password: string) =>
  call('POST', '/login', {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password }),
  });

beforeAll(async () => {
  await settleAll([
    startOidcPeer().then((p) => (oidc = p)),
    startCasServer().then((c) => (cas = c)),
    startKdc().then((k) => (kdc = k)),
  ]);
  await kdc.addPrincipal('alice', 'alicepw');
  const keytab = await kdc.exportServiceKeytab('HTTP/localhost');
  env = {
    ...(await privateStackEnv(dataDir, SHARED_TOKEN)),
    OIDC_ISSUER: oidc.issuer,
    OIDC_AUDIENCE: OIDC_API_AUDIENCE,
    CAS_SERVER_URL: cas.baseUrl,
    CAS_ALLOWED_SERVICES: 'http://localhost:9999/app/',
    KERBEROS_SERVICE: 'HTTP@localhost',
    KERBEROS_KEYTAB: keytab,
    KERBEROS_REALMS: kdc.realm,
  };
  base = `http://localhost:${env.PORT}/xuc/api/2.0/auth`;
  stack = await startLocalStack(env);
}, 120_000);

afterAll(async () => {
  await ifAssigned(stack)?.stop();
  await ifAssigned(oidc)?.stop();
  await ifAssigned(cas)?.close();
  await ifAssigned(kdc)?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe('the local stack started with npm start', { timeout: 60_000 }, () => {
  it('announces the base URL, the demo credentials and curl commands', () => {
    expect(stack.output()).toContain(`API          ${base}`);
    expect(stack.output()).toContain('Demo user    login "demo", password "demo-password" (created)');
    expect(stack.output()).toContain(`curl -s ${base}/check -H "X-Auth-Token: $TOKEN"`);
    // The shared token came from PLAY_AUTH_TOKEN, so it is not printed.
    expect(stack.output()).not.toContain(SHARED_TOKEN);
  });

  it('drives login → check → tokens → logout → rejected, with the token in header, query and Bearer form', async () => {
    const login = await loginAs('demo', 'demo-password');
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ login: 'demo', token: expect.any(String), TTL: 3600 });
    const token = login.body?.token as string;

    const forms: Record<string, { path: string; headers?: Record<string, string> }> = {
      header: { path: '', headers: { 'X-Auth-Token': token } },
      query: { path: `?token=${encodeURIComponent(token)}` },
      bearer: { path: '', headers: { Authorization: `Bearer ${token}` } },
    };
    for (const form of Object.values(forms)) {
      const checked = await call('GET', `/check${form.path}`, { headers: form.headers });
      expect(checked.status).toBe(200);
      expect(checked.body).toMatchObject({ login: 'demo', TTL: 3600 });
      expect(checked.body?.token).not.toBe(token);

      const listed = await call('GET', `/tokens${form.path}`, { headers: form.headers });
      expect(listed.status).toBe(200);
      expect(listed.body?.tokens).toContainEqual(expect.objectContaining({ method: 'password', current: true }));
      expect(JSON.stringify(listed.body)).not.toContain(token);
    }

    const out = await call('POST', `/logout${forms.query?.path}`);
    expect(out.status).toBe(204);
    // Every form was admitted (and cached) by the authorizer: within REVOCATION_WINDOW (1 s) it refuses them all.
    await sleep(1100);
    for (const form of Object.values(forms)) {
      expect((await call('GET', `/tokens${form.path}`, { headers: form.headers })).status).toBe(403);
      const checked = await call('GET', `/check${form.path}`, { headers: form.headers });
      expect(checked.status).toBe(401);
      expect(checked.body).toEqual({ error: 'InvalidToken', message: 'Invalid token' });
    }
  });

  it('answers the contract for missing tokens, the shared token, bad input and health', async () => {
    expect((await call('GET', '/tokens')).status).toBe(401);
    expect((await call('GET', '/tokens', { headers: { 'X-Auth-Token': 'garbage' } })).status).toBe(403);
    const server = await call('GET', '/tokens', { headers: { 'X-Auth-Token': SHARED_TOKEN } });
    expect(server.status).toBe(400);
    expect(server.body?.error).toBe('InvalidRequest');
    expect((await call('GET', `/tokens?token=${SHARED_TOKEN}`)).status).toBe(403);

    const malformed = await call('POST', '/login', {
      headers: { 'content-type': 'application/json' },
      body: '{"login":',
    });
    expect(malformed).toMatchObject({ status: 400, body: { error: 'InvalidJson' } });
    const wrong = await loginAs('demo', 'not-the-password');
    expect(wrong).toMatchObject({
      status: 401,
      body: { error: 'InvalidCredentials', message: 'Invalid username or password' },
    });
    expect(await call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('exchanges an OpenID Connect token from a real provider', async () => {
    expect(admin(['users', 'add', 'alice', '--profile', 'agent', '--no-password']).status).toBe(0);
    const byBearer = await call('GET', '/oidc', {
      headers: { authorization: `Bearer ${await oidc.mintAccessToken('alice')}` },
    });
    expect(byBearer).toMatchObject({ status: 200, body: { login: 'alice', TTL: 3600 } });
    const byPost = await call('POST', '/oidc', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: await oidc.mintAccessToken('bob') }),
    });
    expect(byPost).toMatchObject({ status: 403, body: { error: 'UserNotFound' } });
  });

  it('exchanges a CAS service ticket from a real CAS server', async () => {
    expect(admin(['users', 'show', 'alice']).status).toBe(0);
    const service = 'http://localhost:9999/app/';
    const ticket = await cas.ticketFor(service);
    const exchanged = await call('GET', `/cas?${new URLSearchParams({ service, ticket }).toString()}`);
    expect(exchanged).toMatchObject({ status: 200, body: { login: 'alice', TTL: 3600 } });
    const replayed = await call('GET', `/cas?${new URLSearchParams({ service, ticket }).toString()}`);
    expect(replayed).toMatchObject({ status: 401, body: { error: 'CasServerInvalidTicket' } });
  });

  it('gives a token to a real `curl --negotiate` inside the Kerberos realm', async () => {
    const ccache = await kdc.kinit('alice', 'alicepw');
    const curl = spawnSync('curl', ['-s', '--negotiate', '-u', ':', '-w', '\\n%{http_code}', `${base}/sso`], {
      env: { ...process.env, KRB5_CONFIG: kdc.krb5Config, KRB5CCNAME: ccache },
      encoding: 'utf8',
    });
    const [body, status] = curl.stdout.split('\n');
    expect(status).toBe('200');
    expect(JSON.parse(body ?? '')).toMatchObject({ login: 'alice', TTL: 3600 });
    const without = await call('GET', '/sso');
    expect(without.status).toBe(401);
    expect(without.headers.get('www-authenticate')).toBe('Negotiate');
  });

  it('applies the shared-token rule to /configmgt/ routes (authorizer invoked through the local Lambda API)', async () => {
    const decide = async (headers: Record<string, string>) => {
      const event = {
        version: '2.0',
        type: 'REQUEST',
        routeKey: 'ANY /configmgt/{proxy+}',
        rawPath: '/configmgt/api/1.0/users',
        headers,
        requestContext: { http: { method: 'GET', path: '/configmgt/api/1.0/users', sourceIp: '127.0.0.1' } },
      };
      const response = await fetch(
        `http://localhost:${env.LAMBDA_PORT}/2015-03-31/functions/xuc-auth-local-authorizer/invocations`,
        { method: 'POST', body: JSON.stringify(event) },
      );
      return await response.json();
    };
    const user = (await loginAs('demo', 'demo-password')).body?.token as string;
    expect(await decide({ 'x-auth-token': SHARED_TOKEN })).toEqual({
      isAuthorized: true,
      context: { principal: 'server' },
    });
    expect(await decide({ 'x-auth-token': user })).toEqual({ isAuthorized: false });
  });

  it('is managed by the CLI while it runs', async () => {
    const add = admin(['users', 'add', 'e2e-agent', '--profile', 'agent', '--password-stdin'], 'e2e-password\n');
    expect(add.stderr).toBe('');
    expect(add.status).toBe(0);
    expect((await loginAs('e2e-agent', 'e2e-password')).status).toBe(200);
  });

  it('keeps its data across a restart', async () => {
    const kept = (await loginAs('e2e-agent', 'e2e-password')).body?.token as string;
    await stack.stop();
    stack = await startLocalStack(env);
    expect(stack.output()).not.toContain('(created)');
    const checked = await call('GET', '/check', { headers: { 'X-Auth-Token': kept } });
    expect(checked.status).toBe(200);
    expect(checked.body?.login).toBe('e2e-agent');
  });

  it('serves its contract at /openapi.json, from which the typed client is generated', async () => {
    const client = typedClient();
    const served = await client.GET('/openapi.json');
    expect(served.response.status).toBe(200);
    expect(served.response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(served.response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(served.data).toEqual(parse(readFileSync(SPEC_FILE, 'utf8')));
    // openapi-typescript, given the served document, writes the very types the committed client compiles against.
    expect((await generateClientSchema(served.data as OpenAPI3)) === readFileSync(SCHEMA_FILE, 'utf8')).toBe(true);

    const etag = served.response.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    const again = await client.GET('/openapi.json', { headers: { 'If-None-Match': etag } });
    expect(again.response.status).toBe(304);
    expect(again.response.headers.get('etag')).toBe(etag);
    const changed = await client.GET('/openapi.json', { headers: { 'If-None-Match': '"an-older-version"' } });
    expect(changed.response.status).toBe(200);
  });

  it('drives login → check → tokens → logout through the typed client', async () => {
    const login = await typedClient().POST('/xuc/api/2.0/auth/login', {
      body: { login: 'demo', password: 'demo-password', softwareType: 'typed-client' },
    });
    expect(login.error).toBeUndefined();
    expect(login.data).toEqual({ login: 'demo', token: expect.any(String), TTL: 3600 });
    const token = login.data?.token ?? '';

    const user = typedClient({ token });
    const checked = await user.GET('/xuc/api/2.0/auth/check');
    expect(checked.data).toMatchObject({ login: 'demo', TTL: 3600 });
    const listed = await user.GET('/xuc/api/2.0/auth/tokens');
    expect(listed.data?.tokens.find((session) => session.current)).toMatchObject({
      method: 'password',
      softwareType: 'typed-client',
    });
    const out = await user.POST('/xuc/api/2.0/auth/logout');
    expect(out.response.status).toBe(204);
    await sleep(1100);
    const after = await user.GET('/xuc/api/2.0/auth/check');
    expect(after.data).toBeUndefined();
    expect(after.error).toEqual({ error: 'InvalidToken', message: 'Invalid token' });
    expect((await typedClient({ token, tokenIn: 'bearer' }).GET('/xuc/api/2.0/auth/tokens')).response.status).toBe(403);
  });

  it('serves the API reference at /docs, rendered in a real browser with every endpoint', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      const outside: string[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (!['localhost', '127.0.0.1'].includes(url.hostname) && !['data:', 'blob:'].includes(url.protocol))
          outside.push(request.url());
      });
      await page.goto(`http://localhost:${env.PORT}/docs`);
      await page.getByRole('heading', { name: 'xuc-auth (0.1.0)' }).waitFor({ timeout: 30_000 });
      const text = await page.locator('body').innerText();
      for (const summary of [
        'Log in with a login and password',
        'Log in with a Kerberos ticket',
        'Log in with a CAS service ticket',
        'Log in with an OpenID Connect token (Bearer)',
        'Log in with an OpenID Connect token (JSON body)',
        'Check a Xuc token and get a renewed one',
        'Revoke the presented token',
        "The caller's live sessions",
        'Revoke every token of the caller',
        'Revoke one token of the caller',
        'Whether DynamoDB and Secrets Manager answer',
        'This reference as an OpenAPI 3.1 document (JSON)',
      ]) {
        expect(text).toContain(summary);
      }
      // Everything comes from the stack itself: no CDN.
      expect(outside).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('answered every request of this run as openapi.yaml says', () => {
    // Authorizer refusals carry serverless-offline's own bodies, which differ from API Gateway's.
    const checked = answered.filter(
      ({ path, status }) => !(/\/(tokens|logout)/.test(path) && (status === 401 || status === 403)),
    );
    expect(checked.length).toBeGreaterThan(20);
    expect(checked.flatMap(({ method, path, status, body }) => contract.check(method, path, status, body))).toEqual([]);
  });

  it('wrote no credential to its output: logs, audit events and all', () => {
    const lines = stack.output().split('\n');
    // Its functions did log: the scan reads what they wrote.
    expect(lines.some((line) => line.includes('"audit":"exchange"'))).toBe(true);
    // The start-up text shows the demo user's password on purpose (the README's quick start); no log line may.
    const scanned = lines.filter((line) => !line.includes('demo-password') || line.includes('{"level"'));
    expect(findCredentials(scanned, [SHARED_TOKEN])).toEqual([]);
  });
});
