import { AwsJsonRpcClient, DYNAMODB, SECRETS_MANAGER } from '../clients/aws-json-rpc.ts';
import { rpcBatchGet, rpcGetSecretValue } from '../clients/rpc-reads.ts';
import { config as processConfig, type Config } from '../config.ts';
import { serviceSecrets } from '../secrets/service-secrets.ts';
import { BatchGetTokenStateReader } from '../tokens/token-state-reader.ts';
import { TokenVerifier } from '../tokens/token-verifier.ts';
import type { AuthorizerDeps } from './authorize.ts';
import { DecisionCache } from './decision-cache.ts';
import { RevocationView } from './revocation-view.ts';

export interface AuthorizerServices extends AuthorizerDeps {
  cache: DecisionCache;
}

export interface AuthorizerOverrides {
  dynamodb?: AwsJsonRpcClient;
  secretsManager?: AwsJsonRpcClient;
  now?: () => number;
}

/**
 * The authorizer's own wiring: the same token verification and secrets as `services.ts`, on the
 * lean JSON RPC clients instead of the SDK's generated ones, because the authorizer runs in
 * front of every API call and only ever reads (BENCHMARKS.md has the cold-start figures).
 */
export function createAuthorizerServices(config: Config, overrides: AuthorizerOverrides = {}): AuthorizerServices {
  const now = overrides.now ?? Date.now;
  const options = { timeoutMs: config.dependencyTimeoutMs };
  const dynamodb = overrides.dynamodb ?? new AwsJsonRpcClient(DYNAMODB, options);
  const secretsManager = overrides.secretsManager ?? new AwsJsonRpcClient(SECRETS_MANAGER, options);
  const { signingKeys, sharedToken } = serviceSecrets(rpcGetSecretValue(secretsManager), config, now);
  const batchGet = rpcBatchGet(dynamodb);
  return {
    tokens: new TokenVerifier({
      keys: signingKeys,
      states: new BatchGetTokenStateReader(batchGet, config.tokensTable),
      now,
    }),
    sharedToken,
    sharedTokenRoutes: config.sharedTokenRoutes,
    cache: new DecisionCache(
      config.authorizerCacheTtlSeconds * 1000,
      10_000,
      now,
      new RevocationView(batchGet, config.tokensTable, config.revocationWindowSeconds * 1000, now),
    ),
  };
}

let instance: AuthorizerServices | undefined;

/** The container's authorizer services, built from the process environment on first use. */
export function authorizerServices(): AuthorizerServices {
  instance ??= createAuthorizerServices(processConfig());
  return instance;
}
