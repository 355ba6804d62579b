import { randomBytes } from 'node:crypto';
import { PutSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export type RotatedSecret = 'signing-key' | 'play-auth-token';

/** Random values of the sizes the deployed template generates (base64url, no padding). */
export const newSecretValue = (kind: RotatedSecret): string =>
  randomBytes(kind === 'signing-key' ? 48 : 32).toString('base64url');

/**
 * Puts a new version of a secret: it becomes AWSCURRENT and the old current one AWSPREVIOUS,
 * which stays honoured (tokens it signed, servers still sending the old shared token) until the
 * next rotation. Containers pick the new version up within SECRETS_CACHE_TTL.
 */
export async function rotateSecret(
  client: SecretsManagerClient,
  secretId: string,
  value: string,
): Promise<{ versionId: string }> {
  const out = await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  if (!out.VersionId) throw new Error(`Secrets Manager returned no version for ${secretId}`);
  return { versionId: out.VersionId };
}
