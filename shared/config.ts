import { ConfigError } from './errors.ts';

/** Everything the functions read from their environment (api-contract §5), validated once. */
export interface Config {
  stage: string;
  tokenTtl: number;
  tokenMaxTtl: number;
  tokensTable: string;
  usersTable: string;
  signingKeySecretId: string;
  playAuthTokenSecretId: string;
  sharedTokenRoutes: string[];
  upstreamTimeoutMs: number;
  /** Upper bound on how long a secret value is served from memory (rotation pick-up delay). */
  secretsCacheTtlSeconds: number;
  /** Timeout of one DynamoDB / Secrets Manager request before the service fails closed. */
  dependencyTimeoutMs: number;
  /** log2 of scrypt's N for new password hashes; 17 is OWASP's recommendation. */
  passwordScryptLogN: number;
  allowInsecureLoopback: boolean;
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
    signingKeySecretId: text(env, 'SIGNING_KEY_SECRET_ID', `xuc-auth/${stage}/signing-key`),
    playAuthTokenSecretId: text(env, 'PLAY_AUTH_TOKEN_SECRET_ID', `xuc-auth/${stage}/play-auth-token`),
    sharedTokenRoutes: text(env, 'SHARED_TOKEN_ROUTES', '/configmgt/,/recording/')
      .split(',')
      .map((prefix) => prefix.trim())
      .filter(Boolean),
    upstreamTimeoutMs: integer(env, 'UPSTREAM_TIMEOUT_MS', 3000, 100, 60_000),
    secretsCacheTtlSeconds: integer(env, 'SECRETS_CACHE_TTL', 300, 0, 86_400),
    dependencyTimeoutMs: integer(env, 'DEPENDENCY_TIMEOUT_MS', 2000, 100, 60_000),
    passwordScryptLogN: integer(env, 'PASSWORD_SCRYPT_LOG_N', 17, 10, 20),
    allowInsecureLoopback: env.ALLOW_INSECURE_LOOPBACK === 'true',
  };
  return config;
}

let cached: Config | undefined;

/** The process-wide configuration, read on first use. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
