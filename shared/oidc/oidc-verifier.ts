import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import * as client from 'openid-client';
import type { Config } from '../config.ts';
import { XucError } from '../errors.ts';
import { onceUntilFailure } from '../retry-on-failure.ts';
import { isAllowedUpstream, isUnreachable, retryOnceIfDropped } from '../upstream.ts';
import type { GetSecretValue } from '../secrets/versioned-secret.ts';
import { clientSecretSource, type ClientSecretSource } from './client-secret.ts';

/** Asymmetric algorithms only: never `none`, never an HMAC keyed with a public key. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** ID tokens carry no `typ` or `JWT`; JWT access tokens `at+jwt` (RFC 9068). Anything else is another kind of JWT. */
const ACCEPTED_TYPES = new Set([undefined, 'JWT', 'at+jwt', 'application/at+jwt']);
const CLOCK_TOLERANCE_SECONDS = 30;
/** Room for JWTs with many claims; the POST /oidc body (MAX_BODY_BYTES) carries one this long. */
export const MAX_OIDC_TOKEN_LENGTH = 16_384;
const MAX_LOGIN_LENGTH = 128;
/** OpenID Connect Core caps `sub` at 255 ASCII characters. */
const MAX_SUBJECT_LENGTH = 255;
/** Plain http://, for loopback peers only (isAllowedUpstream). */
// eslint-disable-next-line @typescript-eslint/no-deprecated -- openid-client marks it deprecated only so that it stands out
const allowInsecureRequests = client.allowInsecureRequests;

export type OidcSettings = Config['oidc'] & { timeoutMs: number; allowInsecureLoopback: boolean };

interface Provider {
  configuration: client.Configuration;
  jwks: JWTVerifyGetKey;
}

const invalidToken = (reason: string, cause?: unknown): XucError =>
  new XucError('OidcInvalidToken', { cause: new Error(reason, { cause }) });
const providerUnavailable = (reason: string, cause?: unknown): XucError =>
  new XucError('OidcProviderUnavailable', { cause: new Error(reason, { cause }) });
const invalidResponse = (reason: string, cause?: unknown): XucError =>
  new XucError('OidcProviderInvalidResponse', { cause: new Error(reason, { cause }) });

/** An upstream failure: 503 when the IdP could not be reached in time, 502 when it answered nonsense. */
function upstreamFailure(what: string, error: unknown): XucError {
  return isUnreachable(error)
    ? providerUnavailable(`${what}: IdP unreachable`, error)
    : invalidResponse(`${what}: unusable answer`, error);
}

/**
 * Verifies OpenID Connect tokens from the configured issuer and names the XiVO login they
 * prove. The issuer's metadata and its JWKS are fetched once per container and cached: jose's
 * remote key set refetches on an unknown `kid` (an IdP key rotation), at most once per cooldown.
 */
export class OidcVerifier {
  // A failed discovery is retried by the next request, not cached.
  private readonly provider = onceUntilFailure(() => this.discover());

  /** `clientSecret`: where the introspection client's secret is read; by default `settings.clientSecret`. */
  constructor(
    private readonly settings: OidcSettings,
    private readonly clientSecret: ClientSecretSource = () => Promise.resolve(settings.clientSecret),
    private readonly now: () => number = Date.now,
  ) {}

  /** A verifier for the issuer of the service's configuration; `getSecretValue` reads `OIDC_CLIENT_SECRET_ID`. */
  static fromConfig(config: Config, getSecretValue: GetSecretValue): OidcVerifier {
    return new OidcVerifier(
      { ...config.oidc, timeoutMs: config.upstreamTimeoutMs, allowInsecureLoopback: config.allowInsecureLoopback },
      clientSecretSource(config.oidc, getSecretValue, config.secretsCacheTtlSeconds * 1000),
    );
  }

  /** Introspection needs a client id and a secret, held in Secrets Manager or (locally) given as it is. */
  private get canIntrospect(): boolean {
    return Boolean(this.settings.clientId && (this.settings.clientSecret || this.settings.clientSecretId));
  }

  /**
   * The XiVO login a token proves (its `OIDC_LOGIN_CLAIM`), and the IdP's subject (`sub`): the
   * login claim may be neither unique nor stable (OpenID Connect Core, §5.7), the subject is.
   */
  async identify(token: string): Promise<{ login: string; subject: string }> {
    if (token.length > MAX_OIDC_TOKEN_LENGTH)
      throw invalidToken(`token longer than ${MAX_OIDC_TOKEN_LENGTH} characters`);
    const provider = await this.provider();
    const claims = looksLikeJwt(token) ? await this.verifyJwt(provider, token) : await this.introspect(provider, token);
    const login = claims[this.settings.loginClaim];
    if (typeof login !== 'string' || login.length === 0 || login.length > MAX_LOGIN_LENGTH) {
      throw invalidToken(`token has no usable "${this.settings.loginClaim}" claim`);
    }
    const subject = claims.sub;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH) {
      throw invalidToken('token has no usable "sub" claim');
    }
    return { login, subject };
  }

  /** The XiVO login a token proves. */
  async loginOf(token: string): Promise<string> {
    return (await this.identify(token)).login;
  }

  private async discover(): Promise<Provider> {
    const { issuer, clientId, timeoutMs, allowInsecureLoopback, jwksCooldownMs } = this.settings;
    if (!issuer) throw providerUnavailable('OpenID Connect is not configured (OIDC_ISSUER is unset)');
    let issuerUrl: URL;
    try {
      issuerUrl = new URL(issuer);
    } catch (error) {
      throw providerUnavailable('OIDC_ISSUER is not a URL', error);
    }
    if (!isAllowedUpstream(issuerUrl, allowInsecureLoopback)) {
      throw providerUnavailable(
        'OIDC_ISSUER must use https (plain http only for loopback with ALLOW_INSECURE_LOOPBACK=true)',
      );
    }
    let configuration: client.Configuration;
    try {
      configuration = await retryOnceIfDropped(() =>
        client.discovery(issuerUrl, clientId ?? 'xuc-auth', undefined, this.clientAuthentication(), {
          timeout: timeoutMs / 1000,
          ...(issuerUrl.protocol === 'http:' ? { execute: [allowInsecureRequests] } : {}),
        }),
      );
    } catch (error) {
      throw upstreamFailure('discovery', error);
    }
    const jwksUri = configuration.serverMetadata().jwks_uri;
    if (!jwksUri || !URL.canParse(jwksUri) || !isAllowedUpstream(new URL(jwksUri), allowInsecureLoopback)) {
      throw invalidResponse('discovery document has no usable jwks_uri');
    }
    return {
      configuration,
      jwks: createRemoteJWKSet(new URL(jwksUri), {
        timeoutDuration: timeoutMs,
        cooldownDuration: jwksCooldownMs,
        cacheMaxAge: 10 * 60_000,
      }),
    };
  }

  /**
   * client_secret_post (openid-client's default) with the secret read at each call: the read is
   * cached, and a secret rotated in Secrets Manager is picked up without a new discovery.
   */
  private clientAuthentication(): client.ClientAuth | undefined {
    if (!this.canIntrospect) return undefined;
    // openid-client types ClientAuth as returning void, but oauth4webapi, which calls it, awaits it.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    return async (as, metadata, body, headers) => {
      const secret = await this.clientSecret();
      if (!secret) throw new Error('the introspection client secret is empty');
      client.ClientSecretPost(secret)(as, metadata, body, headers);
    };
  }

  private async verifyJwt(provider: Provider, token: string): Promise<JWTPayload> {
    const { typ } = decodeProtectedHeader(token);
    if (!ACCEPTED_TYPES.has(typ)) throw invalidToken(`unexpected token type "${typ}"`);
    let payload: JWTPayload;
    try {
      ({ payload } = await retryOnceIfDropped(() =>
        jwtVerify(token, provider.jwks, {
          // openid-client checked at discovery that the document's issuer is OIDC_ISSUER.
          issuer: provider.configuration.serverMetadata().issuer,
          algorithms: ALGORITHMS,
          requiredClaims: ['exp', 'sub'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(this.now()),
        }),
      ));
    } catch (error) {
      throw this.jwtFailure(error);
    }
    // jose checks `iat` only against a maximum age; a token issued in the future is refused here.
    if (typeof payload.iat === 'number' && payload.iat > this.now() / 1000 + CLOCK_TOLERANCE_SECONDS) {
      throw invalidToken('token issued in the future');
    }
    const audiences = [payload.aud ?? []].flat();
    if (!audiences.some((aud) => this.settings.audiences.includes(aud))) throw invalidToken('audience not accepted');
    // OpenID Connect Core §3.1.3.7: with several audiences the authorized party must be named, and
    // whenever it is named it must be ours: a token issued to another client is not for us.
    if (payload.azp !== undefined && !this.isOurParty(payload.azp)) throw invalidToken('azp is another client');
    if (audiences.length > 1 && payload.azp === undefined) throw invalidToken('azp missing with several audiences');
    return payload;
  }

  private isOurParty(party: unknown): boolean {
    return typeof party === 'string' && (party === this.settings.clientId || this.settings.audiences.includes(party));
  }

  private jwtFailure(error: unknown): XucError {
    if (error instanceof errors.JWKSTimeout) return providerUnavailable('JWKS download timed out', error);
    if (error instanceof errors.JWKSInvalid) return invalidResponse('JWKS is not a key set', error);
    if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
      return invalidToken('no key of the issuer matches the token', error);
    }
    // jose reports a JWKS answer that is not 200 or not JSON as a generic error.
    if (error instanceof errors.JOSEError && error.code === 'ERR_JOSE_GENERIC')
      return invalidResponse('JWKS download failed', error);
    if (error instanceof errors.JOSEError) return invalidToken('token rejected', error);
    return upstreamFailure('JWKS', error);
  }

  /** RFC 7662 introspection of an opaque token, only when the service has client credentials. */
  private async introspect(provider: Provider, token: string): Promise<Record<string, unknown>> {
    if (!this.canIntrospect) throw invalidToken('opaque token and no introspection credentials');
    // Read first, so that an unreadable secret is our 503 (Secrets Manager), not the IdP's failure.
    const secret = await this.clientSecret();
    if (!secret) throw providerUnavailable('the introspection client secret is empty');
    let answer: client.IntrospectionResponse;
    try {
      answer = await retryOnceIfDropped(() => client.tokenIntrospection(provider.configuration, token));
    } catch (error) {
      throw upstreamFailure('introspection', error);
    }
    if (!answer.active) throw invalidToken('introspection: token not active');
    if (typeof answer.exp === 'number' && answer.exp + CLOCK_TOLERANCE_SECONDS <= this.now() / 1000) {
      throw invalidToken('introspection: token expired');
    }
    const audiences = [answer.aud ?? []].flat();
    const forUs = audiences.some((aud) => this.settings.audiences.includes(aud)) || this.isOurParty(answer.client_id);
    if (!forUs) throw invalidToken('introspection: token issued for another audience');
    return { ...answer, [this.settings.loginClaim]: answer[this.settings.loginClaim] ?? answer.username };
  }
}

function looksLikeJwt(token: string): boolean {
  if (token.split('.').length !== 3) return false;
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    return false;
  }
}
