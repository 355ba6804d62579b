import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LoginThrottle } from './auth/login-throttle.ts';
import { createDocumentClient, createSecretsClient, sdkGetSecretValue } from './clients/aws.ts';
import { config as processConfig, type Config } from './config.ts';
import { serviceSecrets } from './secrets/service-secrets.ts';
import type { SharedToken } from './secrets/shared-token.ts';
import type { SigningKeys } from './secrets/signing-keys.ts';
import { createTokenService, type TokenService } from './tokens/token-service.ts';
import { RevocationFeed } from './tokens/revocation-feed.ts';
import { SessionCap } from './tokens/session-cap.ts';
import { DynamoTokenStore, type TokenStore } from './tokens/token-store.ts';
import { passwordPolicy, type ScryptParams } from './users/passwords.ts';
import { DynamoUserStore, type UserStore } from './users/user-store.ts';

/**
 * What every function and the CLI work with, wired once per container. Each identity exchange
 * (shared/identity/) builds its own verifier (CAS, OIDC, Kerberos) from these; a function
 * imports only its own exchange, so that it bundles only its own verifier.
 */
export interface Services {
  config: Config;
  db: DynamoDBDocumentClient;
  secrets: SecretsManagerClient;
  users: UserStore;
  tokenStore: TokenStore;
  signingKeys: SigningKeys;
  tokens: TokenService;
  sharedToken: SharedToken;
  passwordPolicy: ScryptParams;
  throttle: LoginThrottle;
  now: () => number;
}

export interface ServiceOverrides {
  db?: DynamoDBDocumentClient;
  secrets?: SecretsManagerClient;
  now?: () => number;
}

export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
  const now = overrides.now ?? Date.now;
  const db = overrides.db ?? createDocumentClient({ timeoutMs: config.dependencyTimeoutMs });
  const secrets = overrides.secrets ?? createSecretsClient({ timeoutMs: config.dependencyTimeoutMs });
  const feed = new RevocationFeed(db, config.tokensTable, config.revocationWindowSeconds * 1000, now);
  const tokenStore = new DynamoTokenStore(db, config.tokensTable, feed);
  const { signingKeys, sharedToken } = serviceSecrets(sdkGetSecretValue(secrets), config, now);
  return {
    config,
    db,
    secrets,
    users: new DynamoUserStore(db, config.usersTable),
    tokenStore,
    signingKeys,
    tokens: createTokenService({
      keys: signingKeys,
      store: tokenStore,
      tokenTtl: config.tokenTtl,
      tokenMaxTtl: config.tokenMaxTtl,
      sessionCap: new SessionCap(tokenStore, config.maxSessionsPerUser, now),
      now,
    }),
    sharedToken,
    passwordPolicy: passwordPolicy(config.passwordScryptLogN),
    throttle: new LoginThrottle(db, config.attemptsTable, config.throttle, now),
    now,
  };
}

let instance: Services | undefined;

/** The container's services, built from the process environment on first use. */
export function services(): Services {
  instance ??= createServices(processConfig());
  return instance;
}
