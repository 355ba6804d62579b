import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { XucError } from '../../shared/errors.ts';
import { OidcVerifier, type OidcSettings } from '../../shared/oidc/oidc-verifier.ts';
import { refusal } from '../support/fixtures.ts';
import { startHostileServer } from '../support/hostile-server.ts';

/**
 * The verifier against an identity provider whose every answer the test writes: its discovery
 * document, its key set and its introspection answers, including the ones a well-behaved
 * provider (test/integration/oidc.test.ts runs a real one) never gives.
 */

const AUDIENCE = 'urn:xuc:api';
const CLIENT_ID = 'xuc-auth-client';
const SECRET = 'introspection-secret';
/** A whole second, so that the clock-tolerance boundaries below fall exactly. */
const NOW = 1_800_000_000;
const clock = () => NOW * 1000;

type Route = (res: ServerResponse, body: URLSearchParams, origin: string) => void;

const json = (res: ServerResponse, value: unknown, status = 200) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

interface Script {
  /** The discovery document; by default a usable one naming the routes below. */
  discovery?: Route;
  jwks?: Route;
  introspect?: Route;
}

const running: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** A provider on loopback that answers as `script` says, and counts the requests to each path. */
async function scriptedIdp(script: Script) {
  const requests = new Map<string, number>();
  const routes: Record<string, Route | undefined> = {
    '/.well-known/openid-configuration':
      script.discovery ??
      ((res, _, origin) =>
        json(res, { issuer: origin, jwks_uri: `${origin}/jwks`, introspection_endpoint: `${origin}/introspect` })),
    '/jwks': script.jwks,
    '/introspect': script.introspect,
  };
  const server = await startHostileServer((req: IncomingMessage, res, origin) => {
    const path = req.url ?? '';
    requests.set(path, (requests.get(path) ?? 0) + 1);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const route = routes[path];
      if (route) route(res, new URLSearchParams(body), origin);
      else json(res, { error: 'not_found' }, 404);
    });
  });
  running.push(server);
  return { origin: server.origin, requests: (path: string) => requests.get(path) ?? 0 };
}

/** A loopback origin where nothing listens any more. */
async function closedOrigin(): Promise<string> {
  const closed = await startHostileServer(() => undefined);
  await closed.close();
  return closed.origin;
}

const settings = (issuer: string, overrides: Partial<OidcSettings> = {}): OidcSettings => ({
  issuer,
  audiences: [AUDIENCE, CLIENT_ID],
  loginClaim: 'preferred_username',
  clientId: CLIENT_ID,
  clientSecret: SECRET,
  jwksCooldownMs: 0,
  timeoutMs: 1000,
  allowInsecureLoopback: true,
  ...overrides,
});

const verifierOf = (issuer: string, overrides: Partial<OidcSettings> = {}) => {
  const chosen = settings(issuer, overrides);
  return new OidcVerifier(chosen, () => Promise.resolve(chosen.clientSecret), clock);
};

/** What the verifier says of a token: the login it proves, or the refusal and its reason for the logs. */
async function outcome(verifier: OidcVerifier, token: string) {
  try {
    return { login: await verifier.loginOf(token) };
  } catch (error) {
    if (!(error instanceof XucError)) throw error;
    return { code: error.code, reason: (error.cause as Error).message };
  }
}

interface Signer {
  jwk: JWK;
  sign: (claims: Record<string, unknown>, header?: Record<string, unknown>) => Promise<string>;
}

async function signer(alg: string, kid = `key-${alg}`): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return {
    jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' },
    sign: (claims, header = {}) => signWith(privateKey, alg, kid, claims, header),
  };
}

function signWith(
  key: CryptoKey | Uint8Array,
  alg: string,
  kid: string,
  claims: Record<string, unknown>,
  header: Record<string, unknown>,
) {
  return new SignJWT({ sub: 'alice', preferred_username: 'alice', aud: AUDIENCE, iat: NOW, exp: NOW + 300, ...claims })
    .setProtectedHeader({ alg, kid, typ: 'JWT', ...header })
    .sign(key);
}

/** A provider publishing `keys`, whose issuer the tokens must name. */
async function providerWith(keys: JWK[], script: Script = {}) {
  const idp = await scriptedIdp({ jwks: (res) => json(res, { keys }), ...script });
  return { ...idp, issued: (claims: Record<string, unknown> = {}) => ({ iss: idp.origin, ...claims }) };
}

describe('signed tokens: algorithms and types', () => {
  const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

  it('accepts a token signed with each asymmetric algorithm the provider publishes a key for', async () => {
    const signers = await Promise.all(ASYMMETRIC.map((alg) => signer(alg)));
    const idp = await providerWith(signers.map((s) => s.jwk));
    const verifier = verifierOf(idp.origin);
    for (const [index, alg] of ASYMMETRIC.entries()) {
      const token = await signers[index]!.sign(idp.issued());
      expect({ alg, ...(await outcome(verifier, token)) }).toEqual({ alg, login: 'alice' });
    }
  });

  it('refuses an HMAC token even when the provider publishes the symmetric key it was made with', async () => {
    const secret = new TextEncoder().encode('s'.repeat(64));
    const idp = await providerWith([{ kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'hmac' }]);
    const token = await signWith(secret, 'HS256', 'hmac', idp.issued(), {});
    expect(await outcome(verifierOf(idp.origin), token)).toEqual({
      code: 'OidcInvalidToken',
      reason: 'token rejected',
    });
  });

  it.each([['JWT'], ['at+jwt'], ['application/at+jwt']])('accepts the type %s', async (typ) => {
    const key = await signer('ES256');
    const idp = await providerWith([key.jwk]);
    expect(await outcome(verifierOf(idp.origin), await key.sign(idp.issued(), { typ }))).toEqual({ login: 'alice' });
  });

  it('refuses a token that two of the provider’s keys could have signed, for the key', async () => {
    const key = await signer('ES256');
    const idp = await providerWith([key.jwk, (await signer('ES256', key.jwk.kid)).jwk]);
    expect(await outcome(verifierOf(idp.origin), await key.sign(idp.issued()))).toEqual({
      code: 'OidcInvalidToken',
      reason: 'no key of the issuer matches the token',
    });
  });
});

describe('signed tokens: claims', () => {
  it.each([
    ['no expiry', { exp: undefined }, 'token rejected'],
    ['no subject', { sub: undefined }, 'token rejected'],
    ['a subject that is not a string', { sub: 42 }, 'token has no usable "sub" claim'],
    [
      'a login that is not a string',
      { preferred_username: ['alice'] },
      'token has no usable "preferred_username" claim',
    ],
  ])('refuses a token with %s', async (_, claims, reason) => {
    const key = await signer('ES256');
    const idp = await providerWith([key.jwk]);
    expect(await outcome(verifierOf(idp.origin), await key.sign(idp.issued(claims)))).toEqual({
      code: 'OidcInvalidToken',
      reason,
    });
  });

  it('takes as its own party our client id, or one of our audiences, and nothing else', async () => {
    const key = await signer('ES256');
    const idp = await providerWith([key.jwk]);
    // Our client id is not among the accepted audiences here: azp names it all the same.
    const verifier = verifierOf(idp.origin, { audiences: [AUDIENCE, 'urn:xuc:second'] });
    const withAzp = async (azp: unknown) =>
      outcome(verifier, await key.sign(idp.issued({ aud: [AUDIENCE, 'urn:elsewhere'], azp })));
    expect(await withAzp(CLIENT_ID)).toEqual({ login: 'alice' });
    expect(await withAzp('urn:xuc:second')).toEqual({ login: 'alice' });
    expect(await withAzp('urn:elsewhere')).toEqual({ code: 'OidcInvalidToken', reason: 'azp is another client' });
  });

  it('introspects any token that is not a signed JWT, even one whose first part reads as a JWT header', async () => {
    const received: string[] = [];
    const idp = await scriptedIdp({
      introspect: (res, body) => {
        received.push(body.get('token') ?? '');
        json(res, { active: false });
      },
    });
    const [header = ''] = (await (await signer('ES256')).sign({})).split('.');
    // Two parts, and five (the shape of an encrypted JWT, whose header jose reads all the same).
    const opaque = [`${header}.e30`, `${header}.e30.e30.e30.e30`, 'not.a.jwt'];
    for (const token of opaque) {
      expect(await outcome(verifierOf(idp.origin), token)).toEqual({
        code: 'OidcInvalidToken',
        reason: 'introspection: token not active',
      });
    }
    expect(received).toEqual(opaque);
  });

  it('keeps the underlying error behind each kind of refusal, for the logs', async () => {
    const key = await signer('ES256');
    let answer: Route = (res) => json(res, { keys: [key.jwk] });
    const idp = await providerWith([], { jwks: (res, body, origin) => answer(res, body, origin) });
    const underlying = async (token: string) => {
      const refused = await refusal(verifierOf(idp.origin, { timeoutMs: 300 }).loginOf(token));
      return [refused.code, ((refused.cause as Error).cause as Error | undefined)?.constructor.name];
    };
    expect(await underlying(await key.sign(idp.issued({ exp: NOW - 60 })))).toEqual(['OidcInvalidToken', 'JWTExpired']);
    answer = () => undefined;
    expect(await underlying(await key.sign(idp.issued()))).toEqual(['OidcProviderUnavailable', 'JWKSTimeout']);
    answer = (res) => json(res, { keys: 'none' });
    expect(await underlying(await key.sign(idp.issued()))).toEqual(['OidcProviderInvalidResponse', 'JWKSInvalid']);
  });
});

describe('the clock: 30 seconds of tolerance, no more', () => {
  it('accepts a token expired 29 seconds ago and refuses one expired 30 seconds ago', async () => {
    const key = await signer('ES256');
    const idp = await providerWith([key.jwk]);
    const verifier = verifierOf(idp.origin);
    expect(await outcome(verifier, await key.sign(idp.issued({ exp: NOW - 29 })))).toEqual({ login: 'alice' });
    expect(await outcome(verifier, await key.sign(idp.issued({ exp: NOW - 30 })))).toEqual({
      code: 'OidcInvalidToken',
      reason: 'token rejected',
    });
  });

  it('accepts a token issued 30 seconds ahead of its clock and refuses one issued 31 seconds ahead', async () => {
    const key = await signer('ES256');
    const idp = await providerWith([key.jwk]);
    const verifier = verifierOf(idp.origin);
    expect(await outcome(verifier, await key.sign(idp.issued({ iat: NOW + 30 })))).toEqual({ login: 'alice' });
    expect(await outcome(verifier, await key.sign(idp.issued({ iat: NOW + 31 })))).toEqual({
      code: 'OidcInvalidToken',
      reason: 'token issued in the future',
    });
  });
});

describe("the provider's key set", () => {
  it('is downloaded once for many tokens, and again for a key it does not hold', async () => {
    const first = await signer('ES256', 'first');
    const second = await signer('ES256', 'second');
    let keys = [first.jwk];
    const idp = await scriptedIdp({ jwks: (res) => json(res, { keys }) });
    const verifier = verifierOf(idp.origin);
    for (let index = 0; index < 3; index++) {
      expect(await outcome(verifier, await first.sign({ iss: idp.origin }))).toEqual({ login: 'alice' });
    }
    expect(idp.requests('/jwks')).toBe(1);
    keys = [first.jwk, second.jwk];
    expect(await outcome(verifier, await second.sign({ iss: idp.origin }))).toEqual({ login: 'alice' });
    expect(idp.requests('/jwks')).toBe(2);
  });

  it.each([
    [
      'an error status',
      (res: ServerResponse) => json(res, { error: 'down' }, 500),
      'OidcProviderInvalidResponse',
      'JWKS download failed',
    ],
    [
      'no key set',
      (res: ServerResponse) => json(res, { keys: 'none' }),
      'OidcProviderInvalidResponse',
      'JWKS is not a key set',
    ],
    ['no answer in time', () => undefined, 'OidcProviderUnavailable', 'JWKS download timed out'],
  ])('answered with %s, is the provider’s failure', async (_, jwks, code, reason) => {
    const key = await signer('ES256');
    const idp = await scriptedIdp({ jwks });
    const verifier = verifierOf(idp.origin, { timeoutMs: 300 });
    expect(await outcome(verifier, await key.sign({ iss: idp.origin }))).toEqual({ code, reason });
  });

  it('at an address where nothing listens, is the provider’s absence', async () => {
    const nowhere = await closedOrigin();
    const key = await signer('ES256');
    const idp = await scriptedIdp({
      discovery: (res, _, origin) => json(res, { issuer: origin, jwks_uri: `${nowhere}/jwks` }),
    });
    expect(await outcome(verifierOf(idp.origin), await key.sign({ iss: idp.origin }))).toEqual({
      code: 'OidcProviderUnavailable',
      reason: 'JWKS: IdP unreachable',
    });
  });
});

describe('discovery', () => {
  it.each([
    ['no jwks_uri', {}],
    ['a jwks_uri that is not a URL', { jwks_uri: 'not a url' }],
    ['a plain-http jwks_uri off loopback', { jwks_uri: 'http://idp.example.org/jwks' }],
  ])('refuses a document with %s', async (_, fields) => {
    const idp = await scriptedIdp({ discovery: (res, __, origin) => json(res, { issuer: origin, ...fields }) });
    expect(await outcome(verifierOf(idp.origin), 'a.b.c')).toEqual({
      code: 'OidcProviderInvalidResponse',
      reason: 'discovery document has no usable jwks_uri',
    });
  });

  it('takes an https jwks_uri', async () => {
    const nowhere = (await closedOrigin()).replace('http:', 'https:');
    const idp = await scriptedIdp({ discovery: (res, _, origin) => json(res, { issuer: origin, jwks_uri: nowhere }) });
    const key = await signer('ES256');
    // Discovery took it: the refusal is the key set's, which nothing serves there.
    expect(await outcome(verifierOf(idp.origin), await key.sign({ iss: idp.origin }))).toEqual({
      code: 'OidcProviderUnavailable',
      reason: 'JWKS: IdP unreachable',
    });
  });

  it.each([
    [
      'an error status',
      (res: ServerResponse) => json(res, {}, 500),
      'OidcProviderInvalidResponse',
      'discovery: unusable answer',
    ],
    ['no answer in time', () => undefined, 'OidcProviderUnavailable', 'discovery: IdP unreachable'],
  ])(
    'answered with %s, is the provider’s failure, and is tried again by the next request',
    async (_, discovery, code, reason) => {
      let failing = true;
      const idp = await scriptedIdp({
        discovery: (res, _body, origin) =>
          failing ? discovery(res) : json(res, { issuer: origin, jwks_uri: `${origin}/jwks` }),
        jwks: (res) => json(res, { keys: [key.jwk] }),
      });
      const key = await signer('ES256');
      const verifier = verifierOf(idp.origin, { timeoutMs: 300 });
      const token = await key.sign({ iss: idp.origin });
      expect(await outcome(verifier, token)).toEqual({ code, reason });
      failing = false;
      expect(await outcome(verifier, token)).toEqual({ login: 'alice' });
    },
  );

  it('refuses an issuer that is not a URL', async () => {
    expect(await outcome(verifierOf('not a url'), 'a.b.c')).toEqual({
      code: 'OidcProviderUnavailable',
      reason: 'OIDC_ISSUER is not a URL',
    });
  });
});

describe('introspection of opaque tokens', () => {
  const active = { active: true, sub: 'subject-1', username: 'alice', aud: AUDIENCE, exp: NOW + 300 };

  /** A provider whose introspection endpoint answers `answer`, and the requests it received. */
  async function introspecting(answer: (body: URLSearchParams) => Record<string, unknown>) {
    const received: URLSearchParams[] = [];
    const idp = await scriptedIdp({
      introspect: (res, body) => {
        received.push(body);
        json(res, answer(body));
      },
    });
    return { ...idp, received };
  }

  it.each([
    ['an active token for our audience', active, { login: 'alice' }],
    ['one whose login claim is given', { ...active, preferred_username: 'carol' }, { login: 'carol' }],
    ['one of several audiences, ours among them', { ...active, aud: ['urn:other', AUDIENCE] }, { login: 'alice' }],
    [
      'one issued to our client for another audience',
      { ...active, aud: 'urn:other', client_id: CLIENT_ID },
      { login: 'alice' },
    ],
    [
      'one issued to another client for another audience',
      { ...active, aud: 'urn:other', client_id: 'other' },
      { code: 'OidcInvalidToken', reason: 'introspection: token issued for another audience' },
    ],
    [
      'one with no audience and no client',
      { ...active, aud: undefined },
      { code: 'OidcInvalidToken', reason: 'introspection: token issued for another audience' },
    ],
    ['an inactive token', { active: false }, { code: 'OidcInvalidToken', reason: 'introspection: token not active' }],
    ['one expired 29 seconds ago', { ...active, exp: NOW - 29 }, { login: 'alice' }],
    [
      'one expired 30 seconds ago',
      { ...active, exp: NOW - 30 },
      { code: 'OidcInvalidToken', reason: 'introspection: token expired' },
    ],
    ['one with no expiry', { ...active, exp: undefined }, { login: 'alice' }],
  ])('reads %s', async (_, answer, expected) => {
    const idp = await introspecting(() => answer);
    expect(await outcome(verifierOf(idp.origin), 'opaque-token')).toEqual(expected);
  });

  it('authenticates as our client with the secret read at each call (client_secret_post)', async () => {
    const idp = await introspecting(() => active);
    let secret = 'first-secret';
    const verifier = new OidcVerifier(settings(idp.origin), () => Promise.resolve(secret), clock);
    expect(await outcome(verifier, 'opaque-token')).toEqual({ login: 'alice' });
    secret = 'rotated-secret';
    expect(await outcome(verifier, 'opaque-token')).toEqual({ login: 'alice' });
    expect(idp.received.map((body) => Object.fromEntries(body))).toEqual([
      { token: 'opaque-token', client_id: CLIENT_ID, client_secret: 'first-secret' },
      { token: 'opaque-token', client_id: CLIENT_ID, client_secret: 'rotated-secret' },
    ]);
  });

  it('never sends a secret that is empty when the request is made', async () => {
    const idp = await introspecting(() => active);
    const reads = ['a-secret', ''];
    const verifier = new OidcVerifier(settings(idp.origin), () => Promise.resolve(reads.shift()), clock);
    const refused = await refusal(verifier.loginOf('opaque-token'));
    const chain: string[] = [];
    for (let error: unknown = refused; error instanceof Error; error = error.cause) chain.push(error.message);
    expect(refused.code).toBe('OidcProviderInvalidResponse');
    expect(chain).toContain('the introspection client secret is empty');
    expect(idp.received).toEqual([]);
  });

  it('introspects with a secret held in Secrets Manager only (OIDC_CLIENT_SECRET_ID)', async () => {
    const idp = await introspecting(() => active);
    const verifier = new OidcVerifier(
      settings(idp.origin, { clientSecret: undefined, clientSecretId: 'the-secret-id' }),
      () => Promise.resolve(SECRET),
      clock,
    );
    expect(await outcome(verifier, 'opaque-token')).toEqual({ login: 'alice' });
  });

  it.each([
    ['no client id', { clientId: undefined }],
    ['no client secret', { clientSecret: undefined }],
  ])('refuses opaque tokens with %s, without asking the provider', async (_, overrides) => {
    const idp = await introspecting(() => active);
    expect(await outcome(verifierOf(idp.origin, overrides), 'opaque-token')).toEqual({
      code: 'OidcInvalidToken',
      reason: 'opaque token and no introspection credentials',
    });
    expect(idp.received).toEqual([]);
  });

  it('answers 503 when the secret it reads is empty, without asking the provider', async () => {
    const idp = await introspecting(() => active);
    const verifier = new OidcVerifier(settings(idp.origin), () => Promise.resolve(''), clock);
    expect(await outcome(verifier, 'opaque-token')).toEqual({
      code: 'OidcProviderUnavailable',
      reason: 'the introspection client secret is empty',
    });
    expect(idp.received).toEqual([]);
  });

  it.each([
    [
      'an error status',
      (res: ServerResponse) => json(res, { error: 'server_error' }, 500),
      'OidcProviderInvalidResponse',
      'introspection: unusable answer',
    ],
    ['no answer in time', () => undefined, 'OidcProviderUnavailable', 'introspection: IdP unreachable'],
  ])('answered with %s, is the provider’s failure', async (_, introspect, code, reason) => {
    const idp = await scriptedIdp({ introspect });
    expect(await outcome(verifierOf(idp.origin, { timeoutMs: 300 }), 'opaque-token')).toEqual({ code, reason });
  });
});
