import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { completeExchange, renewToken } from '../../shared/auth/exchange.ts';
import { passwordLogin } from '../../shared/auth/password-login.ts';
import { CasValidator } from '../../shared/cas/cas-validator.ts';
import { SpnegoAcceptor } from '../../shared/kerberos/spnego-acceptor.ts';
import { OidcVerifier } from '../../shared/oidc/oidc-verifier.ts';
import { createServices, type Services } from '../../shared/services.ts';
import { localClients } from '../../infra/local/stack.ts';
import { startCasServer, type CasServer } from '../../infra/peers/cas-server.ts';
import { startKdc, type Kdc } from '../../infra/peers/kdc.ts';
import { OIDC_API_AUDIENCE, startOidcPeer, type OidcPeer } from '../../infra/peers/oidc-provider.ts';
import { settleAll } from '../../infra/peers/settle.ts';
import { CallCounter } from '../../infra/local/call-counter.ts';
import { createUser, ensureUser, testConfig } from '../support/fixtures.ts';
import { ifAssigned } from '../support/hooks.ts';

/**
 * What an issued token costs in DynamoDB, whatever the exchange; the brute-force counters are
 * apart. A caller waits for two rounds: the user (with the token, for /check), then the record,
 * which a new session writes side by side with its count (MAX_SESSIONS_PER_USER).
 */
const BUDGET = { rounds: 2, newSession: 3, renewal: 2 };
/** Exchanges counted after one warm-up (JWKS fetched, secrets read). */
const EXCHANGES = 3;
const CAS_SERVICE = 'http://127.0.0.1:9999/app/';

const counter = new CallCounter(5000);
const scratch = mkdtempSync(join(tmpdir(), 'xuc-auth-round-trips-'));
let services: Services;
let oidc: OidcPeer;
let cas: CasServer;
let kdc: Kdc;
let kerberosCache: string;
let keytab: string;

/**
 * DynamoDB requests and rounds of them per exchange, over a few exchanges after a warm-up;
 * requests that touch only the attempts table (the brute-force counters) are left out.
 */
async function roundTripsPerToken(exchange: () => Promise<unknown>): Promise<{ requests: number; rounds: number }> {
  await exchange();
  counter.reset();
  for (let i = 0; i < EXCHANGES; i++) await exchange();
  const filter = { exceptTable: services.config.attemptsTable };
  return {
    requests: counter.count('dynamodb', filter) / EXCHANGES,
    rounds: counter.rounds('dynamodb', filter) / EXCHANGES,
  };
}

async function expectWithinBudget(exchange: () => Promise<unknown>, requests: number): Promise<void> {
  const cost = await roundTripsPerToken(exchange);
  expect(cost.requests).toBeLessThanOrEqual(requests);
  expect(cost.rounds).toBeLessThanOrEqual(BUDGET.rounds);
}

beforeAll(async () => {
  // The services as the functions wire them, on clients whose every HTTP attempt is counted.
  services = createServices(testConfig(), localClients(inject('endpoints'), counter.handler));
  await settleAll([
    startOidcPeer().then((peer) => (oidc = peer)),
    startCasServer().then((server) => (cas = server)),
    startKdc({ realm: 'EXAMPLE.TEST' }).then((server) => (kdc = server)),
  ]);
  await kdc.addPrincipal('alice', 'alicepw');
  keytab = await kdc.exportServiceKeytab('HTTP/localhost', join(scratch, 'http.keytab'));
  kerberosCache = await kdc.kinit('alice', 'alicepw');
  // The acceptor's replay cache, private to this file.
  process.env.KRB5RCACHEDIR = scratch;
  await ensureUser(services, 'alice');
}, 60_000);

afterAll(async () => {
  await Promise.all([ifAssigned(oidc)?.stop(), ifAssigned(cas)?.close(), ifAssigned(kdc)?.stop()]);
  counter.handler.destroy();
  rmSync(scratch, { recursive: true, force: true });
});

describe(`DynamoDB per issued token: ≤ ${BUDGET.rounds} rounds, ≤ ${BUDGET.newSession} requests (${BUDGET.renewal} to renew)`, () => {
  it('login + password', async () => {
    const user = await createUser(services);
    const login = () => passwordLogin(services, { login: user.login, password: user.password, source: '203.0.113.7' });
    await expectWithinBudget(login, BUDGET.newSession);
  });

  it('/check renewal', async () => {
    const user = await createUser(services);
    const { token } = await services.tokens.issue({ login: user.login, method: 'password' });
    await expectWithinBudget(() => renewToken(services, token), BUDGET.renewal);
  });

  it('OpenID Connect JWT', async () => {
    const verifier = new OidcVerifier({
      issuer: oidc.issuer,
      audiences: [OIDC_API_AUDIENCE],
      loginClaim: 'preferred_username',
      jwksCooldownMs: 30_000,
      timeoutMs: 3000,
      allowInsecureLoopback: true,
    });
    const accessToken = await oidc.mintAccessToken('alice');
    const exchange = async () =>
      completeExchange(services, { login: await verifier.loginOf(accessToken), method: 'oidc' });
    await expectWithinBudget(exchange, BUDGET.newSession);
  });

  it('CAS service ticket', async () => {
    const validator = new CasValidator({
      serverUrl: cas.baseUrl,
      protocolVersion: 3,
      allowedServices: [CAS_SERVICE],
      timeoutMs: 3000,
      allowInsecureLoopback: true,
    });
    // Tickets are single-use: one each, made before counting starts.
    const tickets: string[] = [];
    for (let i = 0; i <= EXCHANGES; i++) tickets.push(await cas.ticketFor(CAS_SERVICE));
    const exchange = async () => {
      const identity = await validator.validate(CAS_SERVICE, tickets.shift());
      return completeExchange(services, { login: identity.user, method: 'cas', attributes: identity.attributes });
    };
    await expectWithinBudget(exchange, BUDGET.newSession);
  });

  it('Kerberos SPNEGO', async () => {
    const acceptor = new SpnegoAcceptor({ service: 'HTTP@localhost', keytab, realms: [kdc.realm] }, services.secrets);
    // A SPNEGO token is usable once (replay cache): one each, made before counting starts.
    const tokens: string[] = [];
    for (let i = 0; i <= EXCHANGES; i++) tokens.push(await kdc.negotiateToken(kerberosCache));
    const exchange = async () =>
      completeExchange(services, {
        login: (await acceptor.accept(`Negotiate ${tokens.shift()}`)).login,
        method: 'kerberos',
      });
    await expectWithinBudget(exchange, BUDGET.newSession);
  });
});
