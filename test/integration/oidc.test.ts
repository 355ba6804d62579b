import { PassThrough, Readable } from 'node:stream';
import { createPublicKey } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { base64url, decodeJwt, decodeProtectedHeader, importJWK, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rememberSecrets } from '../support/log-capture.ts';
import { handler } from '../../functions/oidc/handler.ts';
import { MAX_OIDC_TOKEN_LENGTH, OidcVerifier, type OidcSettings } from '../../shared/oidc/oidc-verifier.ts';
import { services } from '../../shared/services.ts';
import { bodyOf, ensureUser, httpEvent, lambdaContext, refusal, uniqueLogin } from '../support/fixtures.ts';
import { run as cli } from '../../cli/main.ts';
import { ifAssigned } from '../support/hooks.ts';
import { createSecret } from '../support/secrets.ts';
import { loadConfig } from '../../shared/config.ts';
import { sdkGetSecretValue } from '../../shared/clients/aws.ts';
import { startHostileServer } from '../support/hostile-server.ts';
import { OIDC_API_AUDIENCE, OIDC_CLIENT, startOidcPeer, type OidcPeer } from '../../infra/peers/oidc-provider.ts';

let peer: OidcPeer;
let other: OidcPeer;

const settings = (overrides: Partial<OidcSettings> = {}): OidcSettings => ({
  issuer: peer.issuer,
  audiences: [OIDC_API_AUDIENCE, OIDC_CLIENT.clientId],
  loginClaim: 'preferred_username',
  clientId: OIDC_CLIENT.clientId,
  clientSecret: OIDC_CLIENT.clientSecret,
  jwksCooldownMs: 0,
  timeoutMs: 1000,
  allowInsecureLoopback: true,
  ...overrides,
});

/** A token signed with the provider's real key, with claims of the test's choosing. */
async function signedByPeer(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const key = await importJWK(peer.key.privateJwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    sub: 'alice',
    preferred_username: 'alice',
    iss: peer.issuer,
    aud: OIDC_API_AUDIENCE,
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: peer.key.kid, typ: 'at+jwt', ...header })
    .sign(key);
}

const exchange = (token: string, method: 'GET' | 'POST' = 'GET') =>
  handler(
    method === 'GET'
      ? httpEvent({ path: '/xuc/api/2.0/auth/oidc', headers: { authorization: `Bearer ${token}` } })
      : httpEvent({ method: 'POST', path: '/xuc/api/2.0/auth/oidc', body: JSON.stringify({ token }) }),
    lambdaContext,
  );

beforeAll(async () => {
  peer = await startOidcPeer();
  other = await startOidcPeer();
  // The function reads its configuration from the environment, as on Lambda, and the
  // introspection client's secret from Secrets Manager, as deployed.
  Object.assign(process.env, {
    OIDC_ISSUER: peer.issuer,
    OIDC_AUDIENCE: `${OIDC_API_AUDIENCE},${OIDC_CLIENT.clientId}`,
    OIDC_CLIENT_ID: OIDC_CLIENT.clientId,
    OIDC_CLIENT_SECRET_ID: await createSecret(OIDC_CLIENT.clientSecret),
    OIDC_JWKS_COOLDOWN_MS: '0',
    ALLOW_INSECURE_LOOPBACK: 'true',
  });
  await ensureUser(services(), 'alice');
}, 30_000);

afterAll(async () => {
  // Opaque tokens have no shape the end-of-run log scan could know them by.
  rememberSecrets(inject('logDir'), [
    ...(ifAssigned(peer)?.opaqueTokens() ?? []),
    ...(ifAssigned(other)?.opaqueTokens() ?? []),
  ]);
  await ifAssigned(peer)?.stop();
  await ifAssigned(other)?.stop();
});

describe('OIDC exchange through the function', () => {
  it('trades a JWT access token (Bearer) for a Xuc token', async () => {
    const result = await exchange(await peer.mintAccessToken('alice'));
    expect(result.statusCode).toBe(200);
    const body = bodyOf(result);
    expect(body).toEqual({ login: 'alice', token: expect.any(String), TTL: 3600 });
    expect(await services().tokens.verify(body.token as string)).toMatchObject({ login: 'alice', method: 'oidc' });
  });

  it('trades tokens from a real authorization-code flow, ID token and access token, also by POST', async () => {
    const { idToken, accessToken } = await peer.authorizationCodeFlow('alice');
    expect(bodyOf(await exchange(idToken, 'POST'))).toMatchObject({ login: 'alice' });
    expect(bodyOf(await exchange(accessToken))).toMatchObject({ login: 'alice' });
  });

  it('trades an opaque access token through introspection', async () => {
    const result = await exchange(await peer.mintOpaqueToken('alice'), 'POST');
    expect(result.statusCode).toBe(200);
    expect(bodyOf(result).login).toBe('alice');
  });

  it('introspects with the client secret read from Secrets Manager, never from the environment', async () => {
    expect(process.env.OIDC_CLIENT_SECRET).toBeUndefined();
    const opaque = await peer.mintOpaqueToken('alice');
    const withSecret = async (secretId: string) =>
      OidcVerifier.fromConfig(
        loadConfig({ ...process.env, OIDC_CLIENT_SECRET_ID: secretId }),
        sdkGetSecretValue(services().secrets),
      ).loginOf(opaque);
    expect(await withSecret(await createSecret(OIDC_CLIENT.clientSecret))).toBe('alice');
    // The IdP refuses the client when the secret in Secrets Manager is not its own.
    expect((await refusal(withSecret(await createSecret('not-the-client-secret')))).code).toBe(
      'OidcProviderInvalidResponse',
    );
    // A secret that cannot be read fails closed, as Secrets Manager's unavailability, not the IdP's.
    expect((await refusal(withSecret('test/no-such-secret'))).code).toBe('ServiceUnavailable');
  });

  it('reads the client secret again only once SECRETS_CACHE_TTL has passed, not at each introspection', async () => {
    const secretId = await createSecret(OIDC_CLIENT.clientSecret);
    const read = sdkGetSecretValue(services().secrets);
    let reads = 0;
    const verifier = OidcVerifier.fromConfig(
      loadConfig({ ...process.env, OIDC_CLIENT_SECRET_ID: secretId, SECRETS_CACHE_TTL: '60' }),
      (input) => {
        reads += 1;
        return read(input);
      },
    );
    expect(await verifier.loginOf(await peer.mintOpaqueToken('alice'))).toBe('alice');
    const first = reads;
    expect(first).toBeGreaterThan(0);
    for (let index = 0; index < 2; index++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await verifier.loginOf(await peer.mintOpaqueToken('alice'))).toBe('alice');
    }
    expect(reads).toBe(first);
  });

  it('answers 403 UserNotFound for a valid identity unknown to the user store', async () => {
    const result = await exchange(await peer.mintAccessToken('bob'));
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result)).toEqual({ error: 'UserNotFound', message: 'User not found or not allowed to log in' });
  });

  it('answers 401 OidcInvalidToken without a token, and 400 for a malformed POST', async () => {
    const none = await handler(httpEvent({ path: '/xuc/api/2.0/auth/oidc' }), lambdaContext);
    expect(none.statusCode).toBe(401);
    expect(bodyOf(none).error).toBe('OidcInvalidToken');
    const malformed = await handler(
      httpEvent({ method: 'POST', path: '/xuc/api/2.0/auth/oidc', body: '{"token":' }),
      lambdaContext,
    );
    expect(malformed.statusCode).toBe(400);
    expect(bodyOf(malformed).error).toBe('InvalidJson');
  });
});

describe('OIDC token checks', () => {
  const forged: [string, () => Promise<string>][] = [
    ['for another audience', () => signedByPeer({ aud: 'urn:someone:else' })],
    ['from another issuer', () => other.mintAccessToken('alice')],
    [
      'claiming our issuer, signed by another provider',
      async () => {
        const token = await other.mintAccessToken('alice');
        const [h, , s] = token.split('.');
        const payload = { ...decodeJwt(token), iss: peer.issuer };
        return `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
      },
    ],
    ['expired', () => signedByPeer({ exp: Math.floor(Date.now() / 1000) - 120 })],
    ['not yet valid', () => signedByPeer({ nbf: Math.floor(Date.now() / 1000) + 600 })],
    [
      'issued in the future',
      () => signedByPeer({ iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 900 }),
    ],
    [
      'with a tampered payload',
      async () => {
        const token = await peer.mintAccessToken('alice');
        const [h, , s] = token.split('.');
        const payload = { ...decodeJwt(token), preferred_username: 'admin' };
        return `${h}.${base64url.encode(JSON.stringify(payload))}.${s}`;
      },
    ],
    [
      'with alg none',
      () =>
        Promise.resolve(
          new UnsecuredJWT({ sub: 'alice', preferred_username: 'alice', aud: OIDC_API_AUDIENCE })
            .setIssuer(peer.issuer)
            .setExpirationTime('5m')
            .encode(),
        ),
    ],
    [
      "HS256-signed with the provider's public key",
      async () => {
        const publicPem = createPublicKey({ key: peer.key.privateJwk, format: 'jwk' }).export({
          type: 'spki',
          format: 'pem',
        });
        return new SignJWT({ sub: 'alice', preferred_username: 'alice', aud: OIDC_API_AUDIENCE, iss: peer.issuer })
          .setProtectedHeader({ alg: 'HS256', kid: peer.key.kid })
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(String(publicPem)));
      },
    ],
    ['of another JWT type', () => signedByPeer({}, { typ: 'logout+jwt' })],
    [
      'with several audiences and a foreign azp',
      () => signedByPeer({ aud: [OIDC_API_AUDIENCE, 'urn:other'], azp: 'someone-else' }),
    ],
    ['without the login claim', () => peer.mintAccessToken('nameless')],
    ['that is garbage', () => Promise.resolve('not-a-token-at-all')],
  ];

  it.each(forged)('refuses a token %s with 401 OidcInvalidToken', async (_, make) => {
    const result = await exchange(await make());
    expect(result.statusCode).toBe(401);
    expect(bodyOf(result)).toEqual({ error: 'OidcInvalidToken', message: 'Invalid OpenID Connect token' });
  });

  it.each([
    ['for another audience', () => signedByPeer({ aud: 'urn:someone:else' }), 'audience not accepted'],
    [
      'issued in the future',
      () => signedByPeer({ iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 900 }),
      'token issued in the future',
    ],
    ['of another JWT type', () => signedByPeer({}, { typ: 'logout+jwt' }), 'unexpected token type "logout+jwt"'],
    ['with a foreign azp', () => signedByPeer({ azp: 'someone-else' }), 'azp is another client'],
    [
      'with several audiences and no azp',
      () => signedByPeer({ aud: [OIDC_API_AUDIENCE, 'urn:other'] }),
      'azp missing with several audiences',
    ],
    [
      'without the login claim',
      () => signedByPeer({ preferred_username: undefined }),
      'token has no usable "preferred_username" claim',
    ],
    [
      'with an empty login',
      () => signedByPeer({ preferred_username: '' }),
      'token has no usable "preferred_username" claim',
    ],
    [
      'with a login of 129 characters',
      () => signedByPeer({ preferred_username: 'a'.repeat(129) }),
      'token has no usable "preferred_username" claim',
    ],
    ['with an empty subject', () => signedByPeer({ sub: '' }), 'token has no usable "sub" claim'],
    [
      'with a subject of 256 characters',
      () => signedByPeer({ sub: 's'.repeat(256) }),
      'token has no usable "sub" claim',
    ],
    ['expired', () => signedByPeer({ exp: Math.floor(Date.now() / 1000) - 120 }), 'token rejected'],
    ['of an unknown key', () => signedByPeer({}, { kid: 'unknown-kid' }), 'no key of the issuer matches the token'],
  ])('names the reason of a token %s for the logs', async (_, make, reason) => {
    const error = await refusal(new OidcVerifier(settings()).identify(await make()));
    expect({ code: error.code, reason: (error.cause as Error).message }).toEqual({ code: 'OidcInvalidToken', reason });
  });

  it('takes a login of 128 characters, a subject of 255, an azp of ours with one audience, and an ID token without typ', async () => {
    const verifier = new OidcVerifier(settings());
    const login = 'a'.repeat(128);
    const subject = 's'.repeat(255);
    expect(await verifier.identify(await signedByPeer({ preferred_username: login, sub: subject }))).toEqual({
      login,
      subject,
    });
    expect(await verifier.loginOf(await signedByPeer({ azp: OIDC_CLIENT.clientId }))).toBe('alice');
    expect(await verifier.loginOf(await signedByPeer({ aud: OIDC_CLIENT.clientId }, { typ: undefined }))).toBe('alice');
  });

  it('accepts several audiences when azp is ours', async () => {
    const verifier = new OidcVerifier(settings());
    const token = await signedByPeer({ aud: [OIDC_API_AUDIENCE, 'urn:other'], azp: OIDC_CLIENT.clientId });
    expect(await verifier.loginOf(token)).toBe('alice');
  });

  it('refuses opaque tokens when it has no introspection credentials', async () => {
    const verifier = new OidcVerifier(settings({ clientId: undefined, clientSecret: undefined }));
    const error = await refusal(verifier.loginOf(await peer.mintOpaqueToken('alice')));
    expect({ code: error.code, reason: (error.cause as Error).message }).toEqual({
      code: 'OidcInvalidToken',
      reason: 'opaque token and no introspection credentials',
    });
  });

  it('examines a token of exactly the length limit, by POST too, and refuses one character more for its length', async () => {
    const verifier = new OidcVerifier(settings());
    // Opaque: introspected, and the provider knows no such token.
    const atLimit = await refusal(verifier.loginOf('a'.repeat(MAX_OIDC_TOKEN_LENGTH)));
    expect(atLimit.code).toBe('OidcInvalidToken');
    expect((atLimit.cause as Error).message).toBe('introspection: token not active');
    const over = await refusal(verifier.loginOf('a'.repeat(MAX_OIDC_TOKEN_LENGTH + 1)));
    expect((over.cause as Error).message).toBe(`token longer than ${MAX_OIDC_TOKEN_LENGTH} characters`);

    const posted = await exchange('a'.repeat(MAX_OIDC_TOKEN_LENGTH), 'POST');
    expect(posted.statusCode).toBe(401);
    expect(bodyOf(posted).error).toBe('OidcInvalidToken');
    const postedOver = await exchange('a'.repeat(MAX_OIDC_TOKEN_LENGTH + 1), 'POST');
    expect(postedOver.statusCode).toBe(400);
    expect(bodyOf(postedOver)).toEqual({
      error: 'InvalidJson',
      message: `Field "token" is longer than ${MAX_OIDC_TOKEN_LENGTH} characters`,
    });
  });

  it('reads the login from the configured claim', async () => {
    const verifier = new OidcVerifier(settings({ loginClaim: 'email' }));
    expect(await verifier.loginOf(await signedByPeer({ email: 'alice@example.test' }))).toBe('alice@example.test');
  });
});

describe('OIDC provider availability', () => {
  it('answers 503 when OIDC_ISSUER is unset, saying so', async () => {
    const error = await refusal(new OidcVerifier(settings({ issuer: undefined })).loginOf('x.y.z'));
    expect(error.code).toBe('OidcProviderUnavailable');
    expect((error.cause as Error).message).toContain('OIDC_ISSUER is unset');
  });

  it('refuses a plain-http issuer unless loopback is explicitly allowed', async () => {
    const error = await refusal(new OidcVerifier(settings({ allowInsecureLoopback: false })).loginOf('x.y.z'));
    expect(error.code).toBe('OidcProviderUnavailable');
    expect((error.cause as Error).message).toContain('https');
  });

  it('answers 503 while the IdP is stopped, then recovers by itself when it is back', async () => {
    const token = await peer.mintAccessToken('alice');
    await peer.stop();
    try {
      const cold = new OidcVerifier(settings());
      expect((await refusal(cold.loginOf(token))).code).toBe('OidcProviderUnavailable');
      expect((await exchange(await signedByPeer({}, { kid: 'unknown-kid' }))).statusCode).toBe(503);
    } finally {
      await peer.start();
    }
    expect(await new OidcVerifier(settings()).loginOf(await peer.mintAccessToken('alice'))).toBe('alice');
    expect((await exchange(await peer.mintAccessToken('alice'))).statusCode).toBe(200);
  });

  it('accepts tokens signed with a new key after the IdP rotates, without a restart', async () => {
    const verifier = new OidcVerifier(settings());
    expect(await verifier.loginOf(await peer.mintAccessToken('alice'))).toBe('alice');
    const rotated = await peer.rotateKey();
    const token = await peer.mintAccessToken('alice');
    expect(decodeProtectedHeader(token).kid).toBe(rotated.kid);
    expect(await verifier.loginOf(token)).toBe('alice');
    expect((await exchange(token)).statusCode).toBe(200);
  });

  it('answers 503 when the IdP does not answer within UPSTREAM_TIMEOUT_MS', async () => {
    const hanging = await startHostileServer(() => undefined);
    try {
      const error = await refusal(
        new OidcVerifier(settings({ issuer: hanging.origin, timeoutMs: 300 })).loginOf('a.b.c'),
      );
      expect(error.code).toBe('OidcProviderUnavailable');
    } finally {
      await hanging.close();
    }
  });

  it.each([
    ['discovery document', (res: ServerResponse) => res.end('<html>not json</html>')],
    [
      'JWKS',
      (res: ServerResponse, url: string, origin: string) =>
        url.endsWith('/.well-known/openid-configuration')
          ? res
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ issuer: origin, jwks_uri: `${origin}/jwks` }))
          : res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": "nope"}'),
    ],
  ])('answers 502 OidcProviderInvalidResponse for an unparsable %s', async (_, respond) => {
    const hostile = await startHostileServer((req, res, origin) => respond(res, req.url ?? '', origin));
    try {
      const token = await signedByPeer({ iss: hostile.origin });
      const error = await refusal(new OidcVerifier(settings({ issuer: hostile.origin })).loginOf(token));
      expect(error.code).toBe('OidcProviderInvalidResponse');
      expect(error.status).toBe(502);
    } finally {
      await hostile.close();
    }
  });
});

describe('OpenID Connect identity: the subject behind the login', () => {
  it('binds the subject at the first exchange and refuses another subject for the same login, until an admin unbinds it', async () => {
    const login = uniqueLogin('oidc');
    await ensureUser(services(), login);
    const as = (sub: string) => signedByPeer({ sub, preferred_username: login });
    expect((await exchange(await as('subject-one'))).statusCode).toBe(200);
    expect((await services().users.get(login))?.oidcSubject).toBe('subject-one');
    expect((await exchange(await as('subject-one'))).statusCode).toBe(200);

    const other = await exchange(await as('subject-two'));
    expect(other.statusCode).toBe(403);
    expect(bodyOf(other)).toEqual({ error: 'UserNotFound', message: 'User not found or not allowed to log in' });

    const shown = await admin('--json', 'users', 'show', login);
    expect(JSON.parse(shown)).toMatchObject({ login, oidcSubject: 'subject-one' });
    await admin('users', 'unbind-oidc', login);
    expect((await exchange(await as('subject-two'))).statusCode).toBe(200);
    expect((await services().users.get(login))?.oidcSubject).toBe('subject-two');
  });

  it('refuses a real IdP account that took the username of a bound user', async () => {
    expect((await exchange(await peer.mintAccessToken('alice'))).statusCode).toBe(200);
    const impostor = await exchange(await peer.mintAccessToken('impostor'));
    expect(impostor.statusCode).toBe(403);
    expect(bodyOf(impostor).error).toBe('UserNotFound');
  });

  it('refuses a token whose azp is another client, with one audience as with several', async () => {
    for (const aud of [OIDC_API_AUDIENCE, [OIDC_API_AUDIENCE, 'urn:other']]) {
      const result = await exchange(await signedByPeer({ aud, azp: 'another-client' }));
      expect(result.statusCode).toBe(401);
      expect(bodyOf(result).error).toBe('OidcInvalidToken');
    }
    expect((await exchange(await signedByPeer({ azp: OIDC_CLIENT.clientId }))).statusCode).toBe(200);
  });
});

async function admin(...argv: string[]): Promise<string> {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  let out = '';
  stdout.on('data', (chunk) => (out += String(chunk)));
  const code = await cli({ argv, stdin: Readable.from(['']), stdout, stderr, env: process.env, cwd: process.cwd() });
  expect(code).toBe(0);
  return out;
}
