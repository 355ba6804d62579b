import type { Config } from '../config.ts';
import { VersionedSecret, type GetSecretValue } from '../secrets/versioned-secret.ts';

/** The introspection client's secret, read when it is needed; undefined when none is configured. */
export type ClientSecretSource = () => Promise<string | undefined>;

/**
 * Where the introspection client's secret comes from: the secret `OIDC_CLIENT_SECRET_ID`, read
 * like the service's own secrets through a cache of bounded age (`SECRETS_CACHE_TTL`), so that a
 * rotation at the IdP reaches every container without a redeploy and the value never sits in the
 * function's environment; or `OIDC_CLIENT_SECRET`, which only a local stack may set.
 */
export function clientSecretSource(
  settings: Pick<Config['oidc'], 'clientSecret' | 'clientSecretId'>,
  getSecretValue: GetSecretValue,
  maxAgeMs: number,
  now: () => number = Date.now,
): ClientSecretSource {
  const { clientSecret, clientSecretId } = settings;
  if (!clientSecretId) return () => Promise.resolve(clientSecret);
  const secret = new VersionedSecret(getSecretValue, clientSecretId, maxAgeMs, now);
  return async () => (await secret.versions()).current.value;
}
