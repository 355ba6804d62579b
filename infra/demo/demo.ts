/**
 * `npm run demo`: the local stack with real peers on loopback (an OpenID Connect provider always;
 * the CAS server and the Kerberos KDC when their Debian packages are installed), then every
 * exchange and the authorizer, step by step, and everything stopped at the end. Its calls go
 * through the typed client generated from openapi.yaml (client/), as an integrator's would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { casServerInstalled, startCasServer, type CasServer } from '../peers/cas-server.ts';
import { kdcInstalled, startKdc, type Kdc } from '../peers/kdc.ts';
import { OIDC_API_AUDIENCE, startOidcPeer, type OidcPeer } from '../peers/oidc-provider.ts';
import { privateStackEnv, startLocalStack, type RunningStack } from '../local/run-stack.ts';
import { createXucAuthClient, type TokenPlacement } from '../../client/xuc-auth-client.ts';

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
    const origin = `http://localhost:${env.PORT}`;
    const base = `${origin}/xuc/api/2.0/auth`;
    say(`  API                      ${base}\n`);

    /** The typed client, without a token or presenting one in the given place. */
    const api = createXucAuthClient(origin);
    const withToken = (token: string, tokenIn: TokenPlacement = 'header') =>
      createXucAuthClient(origin, { token, tokenIn });
    /** What the API answers, as far as the demo reads it. */
    type Answer = { status: number; body: { login?: string; error?: string } };
    const answer = ({ data, error, response }: { data?: unknown; error?: unknown; response: Response }): Answer => ({
      status: response.status,
      body: data ?? error ?? {},
    });
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
    await step('GET /health', async () => expectStatus(answer(await api.GET('/xuc/api/2.0/auth/health')), 200));
    await step('GET /openapi.json, the contract the client comes from', async () => {
      const served = await api.GET('/openapi.json');
      const paths = Object.keys(served.data?.paths ?? {}).length;
      return `${expectStatus(answer(served), 200, false)} OpenAPI ${served.data?.openapi ?? '?'}, ${paths} paths`;
    });
    await step('CLI: users add alice --profile agent --password-stdin', () =>
      Promise.resolve(admin(['users', 'add', 'alice', '--profile', 'agent', '--password-stdin'], 'alice-password\n')),
    );
    await step('POST /login with a wrong password', async () =>
      expectStatus(
        answer(await api.POST('/xuc/api/2.0/auth/login', { body: { login: 'alice', password: 'nope' } })),
        401,
      ),
    );
    await step('POST /login {"login":"alice","password":…}', async () => {
      const login = await api.POST('/xuc/api/2.0/auth/login', { body: { login: 'alice', password: 'alice-password' } });
      token = login.data?.token ?? '';
      return expectStatus(answer(login), 200);
    });
    await step('GET /check (X-Auth-Token) → renewed token', async () =>
      expectStatus(answer(await withToken(token).GET('/xuc/api/2.0/auth/check')), 200),
    );
    await step('authorizer: GET /tokens with Authorization: Bearer', async () => {
      const listed = await withToken(token, 'bearer').GET('/xuc/api/2.0/auth/tokens');
      return `${expectStatus(answer(listed), 200, false)} ${listed.data?.tokens.length ?? 0} live token(s)`;
    });
    await step('authorizer: GET /tokens?token=…', async () =>
      expectStatus(answer(await withToken(token, 'query').GET('/xuc/api/2.0/auth/tokens')), 200),
    );
    await step('authorizer: no token', async () =>
      expectStatus(answer(await api.GET('/xuc/api/2.0/auth/tokens')), 401, false),
    );
    await step('authorizer: forged token', async () =>
      expectStatus(answer(await withToken(`${token.slice(0, -4)}AAAA`).GET('/xuc/api/2.0/auth/tokens')), 403, false),
    );
    await step('authorizer: shared token (server principal, no user)', async () =>
      expectStatus(answer(await withToken(SHARED_TOKEN).GET('/xuc/api/2.0/auth/tokens')), 400),
    );
    await step('GET /oidc with a token from a real authorization-code flow', async () => {
      const { accessToken } = await oidc.authorizationCodeFlow('alice');
      const exchange = await api.GET('/xuc/api/2.0/auth/oidc', {
        params: { header: { Authorization: `Bearer ${accessToken}` } },
      });
      return expectStatus(answer(exchange), 200);
    });
    await step('POST /oidc for an identity with no XiVO user (bob)', async () =>
      expectStatus(
        answer(await api.POST('/xuc/api/2.0/auth/oidc', { body: { token: await oidc.mintAccessToken('bob') } })),
        403,
      ),
    );
    if (peers.cas) {
      const cas = peers.cas;
      await step('GET /cas with a ticket from the CAS login form', async () => {
        const service = 'http://localhost:9999/app/';
        const ticket = await cas.ticketFor(service);
        return expectStatus(
          answer(await api.GET('/xuc/api/2.0/auth/cas', { params: { query: { service, ticket } } })),
          200,
        );
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
      expectStatus(answer(await withToken(token).POST('/xuc/api/2.0/auth/logout')), 204, false),
    );
    await step('authorizer: the logged-out token', async () =>
      expectStatus(answer(await withToken(token).GET('/xuc/api/2.0/auth/tokens')), 403, false),
    );
    await step('GET /check with the logged-out token', async () =>
      expectStatus(answer(await withToken(token).GET('/xuc/api/2.0/auth/check')), 401),
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
