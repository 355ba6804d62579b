import { ConfigError } from './errors.ts';

/** Everything the functions read from their environment (README, Configuration), validated once. */
export interface Config {
  stage: string;
  tokenTtl: number;
  tokenMaxTtl: number;
  tokensTable: string;
  usersTable: string;
  attemptsTable: string;
  /** Brute-force protection of the password login (see SECURITY.md). */
  throttle: {
    /** Failures of one login from one source before that pair is locked. */
    loginMaxFailures: number;
    /** Failures of one login from all sources before it is locked for everyone: the ceiling of a distributed guess. */
    accountMaxFailures: number;
    sourceMaxFailures: number;
    windowSeconds: number;
    backoffBaseSeconds: number;
    backoffMaxSeconds: number;
  };
  signingKeySecretId: string;
  playAuthTokenSecretId: string;
  sharedTokenRoutes: string[];
  upstreamTimeoutMs: number;
  /** Upper bound on how long a secret value is served from memory (rotation pick-up delay). */
  secretsCacheTtlSeconds: number;
  /** How long the authorizer may admit a token without re-reading its record. */
  authorizerCacheTtlSeconds: number;
  /** How soon every authorizer container refuses a revoked token (the revocation feed). */
  revocationWindowSeconds: number;
  /** Live sessions one login may hold; opening one more ends the oldest. */
  maxSessionsPerUser: number;
  /** Timeout of one DynamoDB / Secrets Manager request before the service fails closed. */
  dependencyTimeoutMs: number;
  /** log2 of scrypt's N for new password hashes; 17 is OWASP's recommendation. */
  passwordScryptLogN: number;
  allowInsecureLoopback: boolean;
  /** Web origins (`scheme://host[:port]`) whose pages may call the API: the HTTP API's CORS, deployed and local. */
  corsAllowedOrigins: string[];
  oidc: {
    issuer?: string | undefined;
    /** Accepted audiences; a token's `aud` must contain one of them. */
    audiences: string[];
    loginClaim: string;
    clientId?: string | undefined;
    /** The introspection client's secret itself: local stacks only (the deployed template refuses it). */
    clientSecret?: string | undefined;
    /** The Secrets Manager secret holding the introspection client's secret, as deployed. */
    clientSecretId?: string | undefined;
    /** Minimum time between two JWKS downloads (jose's cooldown); bounds the load a flood of unknown `kid`s puts on the IdP. */
    jwksCooldownMs: number;
  };
  cas: {
    serverUrl?: string | undefined;
    protocolVersion: 2 | 3;
    /** Service URLs (and what lies below them) whose tickets are accepted; empty: none. */
    allowedServices: string[];
  };
  kerberos: {
    /** GSS service name, e.g. `HTTP@xuc.example.org`. */
    service?: string | undefined;
    keytab?: string | undefined;
    keytabSecretId?: string | undefined;
    realms: string[];
  };
}

/**
 * Every variable the functions read, with its default (`<stage>` stands for the stage; no entry
 * value means unset). This is the one place defaults are written: serverless.yml passes on only
 * what the shell sets (infra/environment.cjs), and a test keeps the README's table in step.
 */
export const DEFAULTS = {
  STAGE: 'dev',
  TOKEN_TTL: '3600',
  TOKEN_MAX_TTL: '86400',
  TOKENS_TABLE: 'xuc-auth-<stage>-tokens',
  USERS_TABLE: 'xuc-auth-<stage>-users',
  ATTEMPTS_TABLE: 'xuc-auth-<stage>-attempts',
  SIGNING_KEY_SECRET_ID: 'xuc-auth/<stage>/signing-key',
  PLAY_AUTH_TOKEN_SECRET_ID: 'xuc-auth/<stage>/play-auth-token',
  SHARED_TOKEN_ROUTES: '/configmgt/,/recording/',
  UPSTREAM_TIMEOUT_MS: '3000',
  OIDC_ISSUER: undefined,
  OIDC_AUDIENCE: undefined,
  OIDC_LOGIN_CLAIM: 'preferred_username',
  OIDC_CLIENT_ID: undefined,
  OIDC_CLIENT_SECRET: undefined,
  OIDC_CLIENT_SECRET_ID: undefined,
  OIDC_JWKS_COOLDOWN_MS: '30000',
  CAS_SERVER_URL: undefined,
  CAS_PROTOCOL_VERSION: '3',
  CAS_ALLOWED_SERVICES: undefined,
  KERBEROS_SERVICE: undefined,
  KERBEROS_KEYTAB: undefined,
  KERBEROS_KEYTAB_SECRET_ID: undefined,
  KERBEROS_REALMS: undefined,
  AUTHORIZER_CACHE_TTL: '30',
  REVOCATION_WINDOW: '1',
  MAX_SESSIONS_PER_USER: '50',
  LOGIN_MAX_FAILURES: '5',
  ACCOUNT_MAX_FAILURES: '100',
  SOURCE_MAX_FAILURES: '50',
  LOGIN_FAILURE_WINDOW: '900',
  LOGIN_BACKOFF_BASE: '15',
  LOGIN_BACKOFF_MAX: '900',
  SECRETS_CACHE_TTL: '300',
  DEPENDENCY_TIMEOUT_MS: '2000',
  PASSWORD_SCRYPT_LOG_N: '17',
  /** Plain http:// for loopback peers: set by the local stack, never deployed. */
  ALLOW_INSECURE_LOOPBACK: 'false',
  CORS_ALLOWED_ORIGINS: undefined,
} as const satisfies Record<string, string | undefined>;

export type Variable = keyof typeof DEFAULTS;
type Env = Record<string, string | undefined>;

/** Reads one variable: the shell's value, else its default (stage-named where it says so). */
function reader(env: Env) {
  const stage = env.STAGE?.trim() || DEFAULTS.STAGE;
  const read = (name: Variable): string | undefined =>
    env[name]?.trim() || DEFAULTS[name]?.replaceAll('<stage>', stage);
  return {
    text: (name: Variable): string => read(name) ?? '',
    optional: (name: Variable): string | undefined => read(name),
    list: (name: Variable): string[] =>
      (read(name) ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    integer: (name: Variable, min: number, max: number): number => {
      const raw = read(name) ?? '';
      const value = Number(raw);
      if (raw === '' || !Number.isInteger(value) || value < min || value > max) {
        throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${env[name] ?? ''}"`);
      }
      return value;
    },
  };
}

/** Reads and validates the configuration; throws a `ConfigError` naming the faulty variable. */
export function loadConfig(env: Env = process.env): Config {
  const { text, optional, list, integer } = reader(env);
  const tokenMaxTtl = integer('TOKEN_MAX_TTL', 60, 31_536_000);
  const config: Config = {
    stage: text('STAGE'),
    tokenTtl: integer('TOKEN_TTL', 60, tokenMaxTtl),
    tokenMaxTtl,
    tokensTable: text('TOKENS_TABLE'),
    usersTable: text('USERS_TABLE'),
    attemptsTable: text('ATTEMPTS_TABLE'),
    throttle: {
      loginMaxFailures: integer('LOGIN_MAX_FAILURES', 1, 1000),
      accountMaxFailures: integer('ACCOUNT_MAX_FAILURES', 1, 100_000),
      sourceMaxFailures: integer('SOURCE_MAX_FAILURES', 1, 100_000),
      windowSeconds: integer('LOGIN_FAILURE_WINDOW', 10, 86_400),
      backoffBaseSeconds: integer('LOGIN_BACKOFF_BASE', 1, 3600),
      backoffMaxSeconds: integer('LOGIN_BACKOFF_MAX', 1, 86_400),
    },
    signingKeySecretId: text('SIGNING_KEY_SECRET_ID'),
    playAuthTokenSecretId: text('PLAY_AUTH_TOKEN_SECRET_ID'),
    sharedTokenRoutes: list('SHARED_TOKEN_ROUTES'),
    upstreamTimeoutMs: integer('UPSTREAM_TIMEOUT_MS', 100, 60_000),
    secretsCacheTtlSeconds: integer('SECRETS_CACHE_TTL', 0, 86_400),
    authorizerCacheTtlSeconds: integer('AUTHORIZER_CACHE_TTL', 0, 3600),
    revocationWindowSeconds: integer('REVOCATION_WINDOW', 1, 60),
    maxSessionsPerUser: integer('MAX_SESSIONS_PER_USER', 1, 10_000),
    dependencyTimeoutMs: integer('DEPENDENCY_TIMEOUT_MS', 100, 60_000),
    passwordScryptLogN: integer('PASSWORD_SCRYPT_LOG_N', 10, 20),
    allowInsecureLoopback: text('ALLOW_INSECURE_LOOPBACK') === 'true',
    corsAllowedOrigins: list('CORS_ALLOWED_ORIGINS'),
    oidc: {
      issuer: optional('OIDC_ISSUER'),
      audiences: list('OIDC_AUDIENCE'),
      loginClaim: text('OIDC_LOGIN_CLAIM'),
      clientId: optional('OIDC_CLIENT_ID'),
      clientSecret: optional('OIDC_CLIENT_SECRET'),
      clientSecretId: optional('OIDC_CLIENT_SECRET_ID'),
      jwksCooldownMs: integer('OIDC_JWKS_COOLDOWN_MS', 0, 3_600_000),
    },
    cas: {
      serverUrl: optional('CAS_SERVER_URL')?.replace(/\/+$/, ''),
      protocolVersion: integer('CAS_PROTOCOL_VERSION', 2, 3) as 2 | 3,
      allowedServices: list('CAS_ALLOWED_SERVICES'),
    },
    kerberos: {
      service: optional('KERBEROS_SERVICE'),
      keytab: optional('KERBEROS_KEYTAB'),
      keytabSecretId: optional('KERBEROS_KEYTAB_SECRET_ID'),
      realms: list('KERBEROS_REALMS'),
    },
  };
  if (
    config.cas.allowedServices.some(
      (entry) => !URL.canParse(entry) || new URL(entry).username || new URL(entry).password,
    )
  ) {
    throw new ConfigError('CAS_ALLOWED_SERVICES must be a comma-separated list of absolute URLs without userinfo');
  }
  // An origin is compared as a whole by browsers and API Gateway: a path, a wildcard or a
  // trailing slash would never match, or match more than meant.
  if (
    config.corsAllowedOrigins.some(
      (entry) => !URL.canParse(entry) || !/^https?:$/.test(new URL(entry).protocol) || new URL(entry).origin !== entry,
    )
  ) {
    throw new ConfigError(
      'CORS_ALLOWED_ORIGINS must be a comma-separated list of origins such as https://xivo.example.org',
    );
  }
  if (config.oidc.issuer && config.oidc.audiences.length === 0) {
    throw new ConfigError('OIDC_AUDIENCE must be set when OIDC_ISSUER is');
  }
  if (config.oidc.clientSecret && config.oidc.clientSecretId) {
    throw new ConfigError('OIDC_CLIENT_SECRET and OIDC_CLIENT_SECRET_ID are exclusive: set only the secret id');
  }
  return config;
}

let cached: Config | undefined;

/** The process-wide configuration, read on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
