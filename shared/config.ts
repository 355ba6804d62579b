import { ConfigError } from './errors.ts';

/** Everything the functions read from their environment (api-contract §5), validated once. */
export interface Config {
  stage: string;
  tokenTtl: number;
  tokenMaxTtl: number;
  tokensTable: string;
  usersTable: string;
  attemptsTable: string;
  /** Brute-force protection of the password login (see SECURITY.md). */
  throttle: {
    loginMaxFailures: number;
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
  /** How long the authorizer may admit a token without re-reading its record: the revocation window. */
  authorizerCacheTtlSeconds: number;
  /** Timeout of one DynamoDB / Secrets Manager request before the service fails closed. */
  dependencyTimeoutMs: number;
  /** log2 of scrypt's N for new password hashes; 17 is OWASP's recommendation. */
  passwordScryptLogN: number;
  allowInsecureLoopback: boolean;
  oidc: {
    issuer?: string;
    /** Accepted audiences; a token's `aud` must contain one of them. */
    audiences: string[];
    loginClaim: string;
    clientId?: string;
    clientSecret?: string;
    /** Minimum time between two JWKS downloads (jose's cooldown); bounds the load a flood of unknown `kid`s puts on the IdP. */
    jwksCooldownMs: number;
  };
  cas: {
    serverUrl?: string;
    protocolVersion: 2 | 3;
    /** Service URL prefixes; empty means any service. */
    allowedServices: string[];
  };
  kerberos: {
    /** GSS service name, e.g. `HTTP@xuc.example.org`. */
    service?: string;
    keytab?: string;
    keytabSecretId?: string;
    realms: string[];
  };
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function optional(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function text(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  return raw ? raw : fallback;
}

/** Reads and validates the configuration; throws a `ConfigError` naming the faulty variable. */
export function loadConfig(env: Env = process.env): Config {
  const stage = text(env, 'STAGE', 'dev');
  const tokenMaxTtl = integer(env, 'TOKEN_MAX_TTL', 86_400, 60, 31_536_000);
  const config: Config = {
    stage,
    tokenTtl: integer(env, 'TOKEN_TTL', 3600, 60, tokenMaxTtl),
    tokenMaxTtl,
    tokensTable: text(env, 'TOKENS_TABLE', `xuc-auth-${stage}-tokens`),
    usersTable: text(env, 'USERS_TABLE', `xuc-auth-${stage}-users`),
    attemptsTable: text(env, 'ATTEMPTS_TABLE', `xuc-auth-${stage}-attempts`),
    throttle: {
      loginMaxFailures: integer(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
      sourceMaxFailures: integer(env, 'SOURCE_MAX_FAILURES', 50, 1, 100_000),
      windowSeconds: integer(env, 'LOGIN_FAILURE_WINDOW', 900, 10, 86_400),
      backoffBaseSeconds: integer(env, 'LOGIN_BACKOFF_BASE', 15, 1, 3600),
      backoffMaxSeconds: integer(env, 'LOGIN_BACKOFF_MAX', 900, 1, 86_400),
    },
    signingKeySecretId: text(env, 'SIGNING_KEY_SECRET_ID', `xuc-auth/${stage}/signing-key`),
    playAuthTokenSecretId: text(env, 'PLAY_AUTH_TOKEN_SECRET_ID', `xuc-auth/${stage}/play-auth-token`),
    sharedTokenRoutes: list(text(env, 'SHARED_TOKEN_ROUTES', '/configmgt/,/recording/')),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 3000, 100, 60_000),
    secretsCacheTtlSeconds: integer(env, 'SECRETS_CACHE_TTL', 300, 0, 86_400),
    authorizerCacheTtlSeconds: integer(env, 'AUTHORIZER_CACHE_TTL', 30, 0, 3600),
    dependencyTimeoutMs: integer(env, 'DEPENDENCY_TIMEOUT_MS', 2000, 100, 60_000),
    passwordScryptLogN: integer(env, 'PASSWORD_SCRYPT_LOG_N', 17, 10, 20),
    allowInsecureLoopback: env.ALLOW_INSECURE_LOOPBACK === 'true',
    oidc: {
      ...(optional(env, 'OIDC_ISSUER') ? { issuer: optional(env, 'OIDC_ISSUER') } : {}),
      audiences: list(env.OIDC_AUDIENCE ?? ''),
      loginClaim: text(env, 'OIDC_LOGIN_CLAIM', 'preferred_username'),
      ...(optional(env, 'OIDC_CLIENT_ID') ? { clientId: optional(env, 'OIDC_CLIENT_ID') } : {}),
      ...(optional(env, 'OIDC_CLIENT_SECRET') ? { clientSecret: optional(env, 'OIDC_CLIENT_SECRET') } : {}),
      jwksCooldownMs: integer(env, 'OIDC_JWKS_COOLDOWN_MS', 30_000, 0, 3_600_000),
    },
    cas: {
      ...(optional(env, 'CAS_SERVER_URL') ? { serverUrl: optional(env, 'CAS_SERVER_URL')?.replace(/\/+$/, '') } : {}),
      protocolVersion: integer(env, 'CAS_PROTOCOL_VERSION', 3, 2, 3) as 2 | 3,
      allowedServices: list(env.CAS_ALLOWED_SERVICES ?? ''),
    },
    kerberos: {
      ...(optional(env, 'KERBEROS_SERVICE') ? { service: optional(env, 'KERBEROS_SERVICE') } : {}),
      ...(optional(env, 'KERBEROS_KEYTAB') ? { keytab: optional(env, 'KERBEROS_KEYTAB') } : {}),
      ...(optional(env, 'KERBEROS_KEYTAB_SECRET_ID') ? { keytabSecretId: optional(env, 'KERBEROS_KEYTAB_SECRET_ID') } : {}),
      realms: list(env.KERBEROS_REALMS ?? ''),
    },
  };
  if (config.cas.allowedServices.some((prefix) => !URL.canParse(prefix))) {
    throw new ConfigError('CAS_ALLOWED_SERVICES must be a comma-separated list of absolute URLs');
  }
  if (config.oidc.issuer && config.oidc.audiences.length === 0) {
    throw new ConfigError('OIDC_AUDIENCE must be set when OIDC_ISSUER is');
  }
  return config;
}

let cached: Config | undefined;

/** The process-wide configuration, read on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
