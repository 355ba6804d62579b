import type { Config } from '../config.ts';
import { SharedToken } from './shared-token.ts';
import { SigningKeys } from './signing-keys.ts';
import { VersionedSecret, type GetSecretValue } from './versioned-secret.ts';

export interface ServiceSecrets {
  signingKeys: SigningKeys;
  sharedToken: SharedToken;
}

/** The service's two secrets, read through `getSecretValue` and cached for `SECRETS_CACHE_TTL`. */
export function serviceSecrets(
  getSecretValue: GetSecretValue,
  config: Pick<Config, 'signingKeySecretId' | 'playAuthTokenSecretId' | 'secretsCacheTtlSeconds'>,
  now: () => number,
): ServiceSecrets {
  const maxAgeMs = config.secretsCacheTtlSeconds * 1000;
  return {
    signingKeys: new SigningKeys(new VersionedSecret(getSecretValue, config.signingKeySecretId, maxAgeMs, now)),
    sharedToken: new SharedToken(new VersionedSecret(getSecretValue, config.playAuthTokenSecretId, maxAgeMs, now)),
  };
}
