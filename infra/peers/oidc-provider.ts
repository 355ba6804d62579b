import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import * as oidc from 'openid-client';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * A real OpenID Connect provider (panva's oidc-provider) on loopback, for the OIDC exchange's
 * tests. Users log in through its built-in interaction pages; tokens can also be minted through
 * its own models. Its signing keys are exposed so tests can sign tokens with the provider's real
 * key (expired, for another audience, ...), and it can be stopped, restarted and re-keyed on the
 * same port.
 */
export const OIDC_CLIENT = {
  clientId: 'xuc-web',
  clientSecret: 'xuc-web-secret-0123456789abcdef0123',
  redirectUri: 'http://127.0.0.1:9999/callback',
} as const;
export const OIDC_API_AUDIENCE = 'urn:xuc:api';

const ACCOUNTS: Record<string, Record<string, unknown>> = {
  alice: { sub: 'alice', preferred_username: 'alice', email: 'alice@example.test', name: 'Alice Liddell' },
  bob: { sub: 'bob', preferred_username: 'bob', email: 'bob@example.test', name: 'Bob' },
  nameless: { sub: 'nameless', email: 'nameless@example.test' },
  // Another IdP account that has taken the username "alice" (renamed or recycled): another subject.
  impostor: { sub: 'impostor', preferred_username: 'alice', email: 'impostor@example.test' },
};

export interface SigningKey {
  kid: string;
  privateJwk: JWK;
}

export interface OidcPeer {
  issuer: string;
  port: number;
  /** The key the provider signs with now. */
  key: SigningKey;
  /** A JWT access token for the API audience (typ at+jwt). */
  mintAccessToken(accountId?: string): Promise<string>;
  /** An opaque access token, for introspection. */
  mintOpaqueToken(accountId?: string): Promise<string>;
  /** Every opaque token (access, refresh, code) the provider issued: values no log may hold, yet of no telling shape. */
  opaqueTokens(): string[];
  /** A full authorization-code flow driven over HTTP through the login page. */
  authorizationCodeFlow(accountId?: string): Promise<{ idToken: string; accessToken: string }>;
  /** Adds a new signing key in front of the old one (restarting on the same port); returns it. */
  rotateKey(): Promise<SigningKey>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = `k-${randomUUID().slice(0, 8)}`;
  return { kid, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' } };
}

function providerConfiguration(keys: SigningKey[]): Configuration {
  return {
    clients: [
      {
        client_id: OIDC_CLIENT.clientId,
        client_secret: OIDC_CLIENT.clientSecret,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [OIDC_CLIENT.redirectUri],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: keys.map((key) => key.privateJwk) },
    cookies: { keys: ['test-cookie-key'] },
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email'] },
    findAccount: (_ctx: KoaContextWithOIDC, id: string) =>
      ACCOUNTS[id] ? { accountId: id, claims: () => ACCOUNTS[id] as { sub: string } } : undefined,
    // ID tokens carry the profile claims themselves, as most IdPs do.
    conformIdTokenClaims: false,
    extraTokenClaims: (_ctx, token) => {
      const accountId = 'accountId' in token ? (token.accountId as string | undefined) : undefined;
      const username = accountId ? ACCOUNTS[accountId]?.preferred_username : undefined;
      return username ? { preferred_username: username } : undefined;
    },
    pkce: { required: () => false },
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => OIDC_API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api:read',
          audience: OIDC_API_AUDIENCE,
          accessTokenTTL: 300,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    ttl: { AccessToken: 300, IdToken: 300, AuthorizationCode: 60, Interaction: 300, Session: 3600, Grant: 3600 },
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId,
      });
      grant.addOIDCScope('openid profile email');
      grant.addResourceScope(OIDC_API_AUDIENCE, 'api:read');
      await grant.save();
      return grant;
    },
  };
}

/** Starts a provider on `port` (a free one by default). */
export async function startOidcPeer(options: { port?: number } = {}): Promise<OidcPeer> {
  let keys = [await newSigningKey()];
  let server: http.Server | undefined;
  let provider: Provider;
  let port = options.port ?? 0;
  let issuer = '';
  const opaque: string[] = [];

  const listen = async () => {
    server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject);
      server!.listen(port, '127.0.0.1', resolve);
    });
    port = (server.address() as AddressInfo).port;
    issuer = `http://127.0.0.1:${port}`;
    provider = new Provider(issuer, providerConfiguration(keys));
    // An opaque token's value is its id; JWT ones are "issued", not "saved".
    provider.on('access_token.saved', (token) => opaque.push(token.jti));
    provider.on('refresh_token.saved', (token) => opaque.push(token.jti));
    provider.on('authorization_code.saved', (token) => opaque.push(token.jti));
    const callback = provider.callback();
    server.on('request', (req, res) => void callback(req, res));
  };
  const stop = async () => {
    if (!server) return;
    const closing = server;
    server = undefined;
    closing.closeAllConnections();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await listen();

  async function mint(accountId: string, format: 'jwt' | 'opaque'): Promise<string> {
    const client = await provider.Client.find(OIDC_CLIENT.clientId);
    if (!client) throw new Error('client missing');
    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    grant.addOIDCScope('openid profile');
    grant.addResourceScope(OIDC_API_AUDIENCE, 'api:read');
    const grantId = await grant.save();
    const resourceServer =
      format === 'jwt'
        ? new provider.ResourceServer(OIDC_API_AUDIENCE, {
            scope: 'api:read',
            audience: OIDC_API_AUDIENCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: 'RS256' } },
          })
        : undefined;
    const token = new provider.AccessToken({
      accountId,
      client,
      grantId,
      gty: 'authorization_code',
      scope: format === 'jwt' ? 'api:read' : 'openid profile',
      ...(resourceServer ? { resourceServer } : {}),
    });
    return token.save();
  }

  async function authorizationCodeFlow(accountId = 'alice') {
    const config = await oidc.discovery(new URL(issuer), OIDC_CLIENT.clientId, OIDC_CLIENT.clientSecret, undefined, {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- openid-client marks it deprecated only so that it stands out; a loopback peer
      execute: [oidc.allowInsecureRequests],
    });
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    let url: string = oidc
      .buildAuthorizationUrl(config, {
        redirect_uri: OIDC_CLIENT.redirectUri,
        scope: 'openid profile email',
        resource: OIDC_API_AUDIENCE,
        state,
        nonce,
      })
      .toString();
    const cookies = new Map<string, string>();
    const send = async (target: string, init: RequestInit = {}) => {
      const response = await fetch(target, {
        ...init,
        redirect: 'manual',
        headers: {
          ...(init.headers as Record<string, string>),
          cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        },
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';');
        const [name, ...value] = (pair ?? '').split('=');
        if (name) cookies.set(name.trim(), value.join('='));
      }
      return response;
    };
    // Follow redirects, answering the login page when it shows up, until the client's callback.
    for (let step = 0; step < 10 && !url.startsWith(OIDC_CLIENT.redirectUri); step++) {
      let response = await send(url);
      if (response.status === 200) {
        const interaction = new URL(url).pathname;
        response = await send(new URL(interaction, issuer).toString(), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ prompt: 'login', login: accountId, password: 'any' }).toString(),
        });
      }
      const location = response.headers.get('location');
      if (!location) throw new Error(`authorization flow stuck at ${url} (${response.status})`);
      url = new URL(location, issuer).toString();
    }
    const tokens = await oidc.authorizationCodeGrant(config, new URL(url), {
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    if (!tokens.id_token) throw new Error('no ID token');
    return { idToken: tokens.id_token, accessToken: tokens.access_token };
  }

  return {
    get issuer() {
      return issuer;
    },
    get port() {
      return port;
    },
    get key() {
      return keys[0]!;
    },
    mintAccessToken: (accountId = 'alice') => mint(accountId, 'jwt'),
    mintOpaqueToken: (accountId = 'alice') => mint(accountId, 'opaque'),
    opaqueTokens: () => [...opaque],
    authorizationCodeFlow,
    rotateKey: async () => {
      keys = [await newSigningKey(), ...keys];
      await stop();
      await listen();
      return keys[0]!;
    },
    stop,
    start: listen,
  };
}
