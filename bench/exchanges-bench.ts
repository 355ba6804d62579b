import { completeExchange, renewToken } from '../shared/auth/exchange.ts';
import { passwordLogin } from '../shared/auth/password-login.ts';
import { CasValidator } from '../shared/cas/cas-validator.ts';
import { SpnegoAcceptor } from '../shared/kerberos/spnego-acceptor.ts';
import { OidcVerifier } from '../shared/oidc/oidc-verifier.ts';
import type { Services } from '../shared/services.ts';
import { ensureUser } from '../shared/users/user-admin.ts';
import { passwordPolicy, verifyPassword } from '../shared/users/passwords.ts';
import { OIDC_API_AUDIENCE } from '../infra/peers/oidc-provider.ts';
import type { BenchStack } from './bench-stack.ts';
import { measure, type Summary } from './harness.ts';
import { KERBEROS_USER, type Peers } from './peers.ts';
import type { Profile } from './profile.ts';

export interface ExchangeResult {
  id: 'hash' | 'login' | 'loginRest' | 'check' | 'oidc' | 'cas' | 'kerberos';
  label: string;
  summary?: Summary;
  skipped?: string;
}

const PASSWORD = 'bench-password-0123456789';
/** The login handler passes the caller's address to the per-address failure count. */
const SOURCE = '203.0.113.7';
const CAS_SERVICE = 'http://localhost:9999/app/';
/** N = 2: scrypt's cost vanishes, the rest of the login stays. */
const NO_HASHING = passwordPolicy(1);

const timed = async (fn: (i: number) => Promise<unknown>, iterations: number, warmup = 1): Promise<Summary> =>
  (await measure(fn, { iterations, warmup })).summary;

const benchUser = (services: Services, login: string, password?: string, policy = services.passwordPolicy) =>
  ensureUser(
    services.users,
    { login, profile: 'agent', ctiLoginEnabled: true, ...(password ? { password } : {}) },
    policy,
  );

async function benchPassword(services: Services, profile: Profile): Promise<ExchangeResult[]> {
  const { owaspHashes, cheap } = profile.exchanges;
  await benchUser(services, 'bench-owasp', PASSWORD);
  await benchUser(services, 'bench-cheap', PASSWORD, NO_HASHING);
  const storedHash = (await services.users.get('bench-owasp'))?.passwordHash ?? '';
  const hash = await timed(() => verifyPassword(PASSWORD, storedHash), owaspHashes);
  const login = await timed(
    () => passwordLogin(services, { login: 'bench-owasp', password: PASSWORD, source: SOURCE }),
    owaspHashes,
  );
  const rest = await timed(
    () =>
      passwordLogin(
        { ...services, passwordPolicy: NO_HASHING },
        { login: 'bench-cheap', password: PASSWORD, source: SOURCE },
      ),
    cheap,
    10,
  );
  const { token } = await services.tokens.issue({ login: 'bench-cheap', method: 'password' });
  const check = await timed(() => renewToken(services, token), cheap, 10);
  return [
    {
      id: 'hash',
      label: `password hashing alone (scrypt ln=${services.passwordPolicy.logN}, r=8, p=1)`,
      summary: hash,
    },
    { id: 'login', label: 'login + password, end to end (OWASP scrypt)', summary: login },
    { id: 'loginRest', label: 'login + password without the hashing (scrypt N=2)', summary: rest },
    { id: 'check', label: '/check renewal (verify, then a new token)', summary: check },
  ];
}

async function benchOidc(services: Services, peers: Peers, profile: Profile): Promise<ExchangeResult> {
  const verifier = new OidcVerifier({
    issuer: peers.oidc.issuer,
    audiences: [OIDC_API_AUDIENCE],
    loginClaim: 'preferred_username',
    jwksCooldownMs: 30_000,
    timeoutMs: 3000,
    allowInsecureLoopback: true,
  });
  const tokens = await Promise.all(Array.from({ length: 5 }, () => peers.oidc.mintAccessToken('alice')));
  // The first call downloads the discovery document and the JWKS: the warm-up.
  const exchange = async (i: number) =>
    completeExchange(services, { login: await verifier.loginOf(tokens[i % tokens.length] ?? ''), method: 'oidc' });
  return {
    id: 'oidc',
    label: 'OpenID Connect JWT, warm JWKS',
    summary: await timed(exchange, profile.exchanges.cheap, 10),
  };
}

async function benchCas(services: Services, peers: Peers, profile: Profile): Promise<ExchangeResult> {
  const label = 'CAS ticket validation round trip + token';
  if (typeof peers.cas === 'string') return { id: 'cas', label, skipped: peers.cas };
  const cas = peers.cas;
  const validator = new CasValidator({
    serverUrl: cas.baseUrl,
    protocolVersion: 3,
    allowedServices: [CAS_SERVICE],
    timeoutMs: 3000,
    allowInsecureLoopback: true,
  });
  // Tickets are single-use and take a login each: all are made before the clock starts.
  const tickets: string[] = [];
  for (let i = 0; i < profile.exchanges.cas + 1; i++) tickets.push(await cas.ticketFor(CAS_SERVICE));
  const exchange = async (i: number) => {
    const identity = await validator.validate(CAS_SERVICE, tickets[i]);
    return completeExchange(services, { login: identity.user, method: 'cas', attributes: identity.attributes });
  };
  // The warm-up uses the last ticket, the timed calls the others.
  await exchange(profile.exchanges.cas);
  return { id: 'cas', label, summary: await timed(exchange, profile.exchanges.cas, 0) };
}

async function benchKerberos(services: Services, peers: Peers, profile: Profile): Promise<ExchangeResult> {
  const label = 'Kerberos SPNEGO accept + token';
  if (typeof peers.kerberos === 'string') return { id: 'kerberos', label, skipped: peers.kerberos };
  const { kdc, keytab, ccache, scratch } = peers.kerberos;
  const count = profile.exchanges.kerberos + 1;
  // Each token is usable once (replay cache) and costs a child process: all are made beforehand, two at a time.
  const tokens: string[] = [];
  while (tokens.length < count) {
    const batch = Math.min(2, count - tokens.length);
    tokens.push(...(await Promise.all(Array.from({ length: batch }, () => kdc.negotiateToken(ccache)))));
  }
  const previousRcache = process.env.KRB5RCACHEDIR;
  process.env.KRB5RCACHEDIR = scratch;
  try {
    const acceptor = new SpnegoAcceptor({ service: 'HTTP@localhost', keytab, realms: [kdc.realm] }, services.secrets);
    const exchange = async (i: number) => {
      const accepted = await acceptor.accept(`Negotiate ${tokens[i]}`);
      return completeExchange(services, { login: accepted.login, method: 'kerberos' });
    };
    await exchange(count - 1);
    return { id: 'kerberos', label, summary: await timed(exchange, profile.exchanges.kerberos, 0) };
  } finally {
    if (previousRcache === undefined) delete process.env.KRB5RCACHEDIR;
    else process.env.KRB5RCACHEDIR = previousRcache;
  }
}

/** Every exchange end to end in process, against the embedded AWS emulators and the real peers. */
export async function benchExchanges(stack: BenchStack, peers: Peers, profile: Profile): Promise<ExchangeResult[]> {
  const services = stack.services();
  await benchUser(services, 'alice');
  await benchUser(services, KERBEROS_USER.name);
  return [
    ...(await benchPassword(services, profile)),
    await benchOidc(services, peers, profile),
    await benchCas(services, peers, profile),
    await benchKerberos(services, peers, profile),
  ];
}
