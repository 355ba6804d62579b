/**
 * `npm run demo`: the local stack with real peers on loopback (an OpenID Connect provider always;
 * the CAS server and the Kerberos KDC when their Debian packages are installed), then every
 * exchange and the authorizer, step by step, and everything stopped at the end.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { casServerInstalled, startCasServer, type CasServer } from '../peers/cas-server.ts';
import { kdcInstalled, startKdc, type Kdc } from '../peers/kdc.ts';
import { OIDC_API_AUDIENCE, startOidcPeer, type OidcPeer } from '../peers/oidc-provider.ts';
import { privateStackEnv, startLocalStack, type RunningStack } from '../local/run-stack.ts';

const SHARED_TOKEN = `demo-shared-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
const results: { step: string; ok: boolean }[] = [];
let stepNumber = 0;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function step(title: string, run: () => Promise<string>): Promise<void> {
  stepNumber += 1;
  const started = performance.now();
  try {
    const outcome = await run();
    say(
      `  [${String(stepNumber).padStart(2)}] ✔ ${title.padEnd(58)} ${outcome} (${Math.round(performance.now() - started)} ms)`,
    );
    results.push({ step: title, ok: true });
  } catch (error) {
    say(`  [${String(stepNumber).padStart(2)}] ✘ ${title.padEnd(58)} ${(error as Error).message}`);
    results.push({ step: title, ok: false });
  }
}

function skip(title: string, why: string): void {
  stepNumber += 1;
  say(`  [${String(stepNumber).padStart(2)}] - ${title.padEnd(58)} skipped: ${why}`);
}

async function main(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'xuc-auth-demo-'));
  const peers: { oidc?: OidcPeer; cas?: CasServer; kdc?: Kdc } = {};
  let stack: RunningStack | undefined;
  try {
    say('Starting the peers…');
    const oidc = await startOidcPeer();
    peers.oidc = oidc;
    say(`  OpenID Connect provider  ${oidc.issuer}`);
    if (casServerInstalled()) {
      peers.cas = await startCasServer();
      say(`  CAS server               ${peers.cas.baseUrl}`);
    } else say('  CAS server               not installed: npm run setup:system (Debian python3-django-cas-server)');
    // The binding is an optional dependency: named through a variable so that a machine without it still type-checks.
    const bindingName = 'kerberos';
    const kerberosBinding = await import(bindingName).then(
      () => true,
      () => false,
    );
    if (kdcInstalled() && kerberosBinding) {
      peers.kdc = await startKdc();
      await peers.kdc.addPrincipal('alice', 'alicepw');
      say(`  Kerberos KDC             realm ${peers.kdc.realm} on port ${peers.kdc.port}`);
    } else
      say(
        '  Kerberos KDC             not installed: npm run setup:system (Debian krb5-kdc krb5-admin-server krb5-user libkrb5-dev), then npm ci',
      );

    const env: Record<string, string> = {
      ...(await privateStackEnv(dataDir, SHARED_TOKEN)),
      AUTHORIZER_CACHE_TTL: '0',
      OIDC_ISSUER: oidc.issuer,
      OIDC_AUDIENCE: OIDC_API_AUDIENCE,
      ...(peers.cas ? { CAS_SERVER_URL: peers.cas.baseUrl, CAS_ALLOWED_SERVICES: 'http://localhost:9999/app/' } : {}),
      ...(peers.kdc
        ? {
            KERBEROS_SERVICE: 'HTTP@localhost',
            KERBEROS_KEYTAB: await peers.kdc.exportServiceKeytab('HTTP/localhost'),
            KERBEROS_REALMS: peers.kdc.realm,
          }
        : {}),
    };
    say('Starting the local stack (npm start)…');
    stack = await startLocalStack(env);
    const base = `http://localhost:${env.PORT}/xuc/api/2.0/auth`;
    say(`  API                      ${base}\n`);

    /** What the API answers, as far as the demo reads it. */
    type Answer = { status: number; body: { login?: string; error?: string; token?: string; tokens?: unknown[] } };
    const call = async (
      method: string,
      path: string,
      headers: Record<string, string> = {},
      body?: unknown,
    ): Promise<Answer> => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : {}) as Answer['body'] };
    };
    const expectStatus = (answer: Answer, status: number, describe = true) => {
      if (answer.status !== status)
        throw new Error(`expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`);
      const login = answer.body.login ? ` login=${answer.body.login}` : '';
      const error = answer.body.error ? ` ${answer.body.error}` : '';
      return describe ? `${status}${login}${error}` : String(status);
    };
    const admin = (args: string[], input = '') => {
      // The CLI finds the stack through LOCAL_DATA_DIR, not through endpoint variables of the shell.
      const cliEnv = { ...process.env, ...env, AWS_ENDPOINT_URL_DYNAMODB: '', AWS_ENDPOINT_URL_SECRETS_MANAGER: '' };
      const result = spawnSync(process.execPath, ['cli/bin.mjs', ...args], { input, env: cliEnv, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(result.stderr.trim());
      return result.stdout.trim().split('\n')[0] ?? '';
    };

    say('Walking through every exchange and the authorizer:');
    let token = '';
    await step('GET /health', async () => expectStatus(await call('GET', '/health'), 200));
    await step('CLI: users add alice --profile agent --password-stdin', () =>
      Promise.resolve(admin(['users', 'add', 'alice', '--profile', 'agent', '--password-stdin'], 'alice-password\n')),
    );
    await step('POST /login with a wrong password', async () =>
      expectStatus(await call('POST', '/login', {}, { login: 'alice', password: 'nope' }), 401),
    );
    await step('POST /login {"login":"alice","password":…}', async () => {
      const answer = await call('POST', '/login', {}, { login: 'alice', password: 'alice-password' });
      token = String(answer.body.token);
      return expectStatus(answer, 200);
    });
    await step('GET /check (X-Auth-Token) → renewed token', async () =>
      expectStatus(await call('GET', '/check', { 'X-Auth-Token': token }), 200),
    );
    await step('authorizer: GET /tokens with Authorization: Bearer', async () => {
      const answer = await call('GET', '/tokens', { Authorization: `Bearer ${token}` });
      return `${expectStatus(answer, 200, false)} ${(answer.body.tokens as unknown[]).length} live token(s)`;
    });
    await step('authorizer: GET /tokens?token=…', async () =>
      expectStatus(await call('GET', `/tokens?token=${encodeURIComponent(token)}`), 200),
    );
    await step('authorizer: no token', async () => expectStatus(await call('GET', '/tokens'), 401, false));
    await step('authorizer: forged token', async () =>
      expectStatus(await call('GET', '/tokens', { 'X-Auth-Token': `${token.slice(0, -4)}AAAA` }), 403, false),
    );
    await step('authorizer: shared token (server principal, no user)', async () =>
      expectStatus(await call('GET', '/tokens', { 'X-Auth-Token': SHARED_TOKEN }), 400),
    );
    await step('GET /oidc with a token from a real authorization-code flow', async () => {
      const { accessToken } = await oidc.authorizationCodeFlow('alice');
      return expectStatus(await call('GET', '/oidc', { Authorization: `Bearer ${accessToken}` }), 200);
    });
    await step('POST /oidc for an identity with no XiVO user (bob)', async () =>
      expectStatus(await call('POST', '/oidc', {}, { token: await oidc.mintAccessToken('bob') }), 403),
    );
    if (peers.cas) {
      const cas = peers.cas;
      await step('GET /cas with a ticket from the CAS login form', async () => {
        const service = 'http://localhost:9999/app/';
        const ticket = await cas.ticketFor(service);
        return expectStatus(await call('GET', `/cas?${new URLSearchParams({ service, ticket }).toString()}`), 200);
      });
    } else
      skip(
        'GET /cas with a ticket from the CAS login form',
        'install python3-django-cas-server (npm run setup:system)',
      );
    if (peers.kdc) {
      const kdc = peers.kdc;
      await step('GET /sso with curl --negotiate after kinit alice', async () => {
        const ccache = await kdc.kinit('alice', 'alicepw');
        const curl = spawnSync('curl', ['-s', '--negotiate', '-u', ':', '-w', '\n%{http_code}', `${base}/sso`], {
          env: { ...process.env, KRB5_CONFIG: kdc.krb5Config, KRB5CCNAME: ccache },
          encoding: 'utf8',
        });
        const [body, status] = curl.stdout.split('\n');
        return expectStatus({ status: Number(status), body: JSON.parse(body || '{}') as Answer['body'] }, 200);
      });
    } else
      skip(
        'GET /sso with curl --negotiate after kinit alice',
        'install krb5-kdc krb5-admin-server krb5-user libkrb5-dev (npm run setup:system), then npm ci',
      );
    await step('POST /logout', async () =>
      expectStatus(await call('POST', '/logout', { 'X-Auth-Token': token }), 204, false),
    );
    await step('authorizer: the logged-out token', async () =>
      expectStatus(await call('GET', '/tokens', { 'X-Auth-Token': token }), 403, false),
    );
    await step('GET /check with the logged-out token', async () =>
      expectStatus(await call('GET', '/check', { 'X-Auth-Token': token }), 401),
    );
  } finally {
    say('\nStopping everything…');
    await stack?.stop();
    await Promise.all([peers.oidc?.stop(), peers.cas?.close(), peers.kdc?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
  const failed = results.filter((result) => !result.ok).length;
  say(`${results.length - failed} steps succeeded, ${failed} failed.`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main().catch((error: unknown) => {
  console.error(`Demo failed: ${(error as Error).message}`);
  return 1;
});
