import { randomBytes } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

import type { Config } from '../config.ts';

export type RotatedSecret = 'signing-key' | 'play-auth-token';

/** Random values of the sizes the deployed template generates (base64url, no padding). */
export const newSecretValue = (kind: RotatedSecret): string =>
  randomBytes(kind === 'signing-key' ? 48 : 32).toString('base64url');

/**
 * The time between two rotations that drops nothing still in use: every container must have
 * picked up the current version (SECRETS_CACHE_TTL) and, for the signing key, every token it
 * signed must have expired (TOKEN_MAX_TTL) before that version stops being the previous one.
 */
export function rotationSpacingSeconds(
  kind: RotatedSecret,
  config: Pick<Config, 'secretsCacheTtlSeconds' | 'tokenMaxTtl'>,
): number {
  return config.secretsCacheTtlSeconds + (kind === 'signing-key' ? config.tokenMaxTtl : 0);
}

export interface RotateOptions {
  /** Refuse when the current version is younger than this many seconds. */
  minAgeSeconds?: number;
  /** Also stop honouring the previous version at once: an emergency, when it has leaked. */
  dropPrevious?: boolean;
  now?: () => number;
}

/**
 * Puts a new version of a secret: it becomes AWSCURRENT and the old current one AWSPREVIOUS,
 * which stays honoured (tokens it signed, servers still sending the old shared token) until the
 * next rotation, unless `dropPrevious`. Containers pick the new version up within SECRETS_CACHE_TTL.
 */
export async function rotateSecret(
  client: SecretsManagerClient,
  secretId: string,
  value: string,
  { minAgeSeconds = 0, dropPrevious = false, now = Date.now }: RotateOptions = {},
): Promise<{ versionId: string }> {
  await assertCurrentOldEnough(client, secretId, minAgeSeconds, now);
  const out = await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value }));
  if (!out.VersionId) throw new Error(`Secrets Manager returned no version for ${secretId}`);
  if (dropPrevious) {
    const previous = await client
      .send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSPREVIOUS' }))
      .catch((error: unknown) => {
        // A secret rotated for the first time has no previous version to drop.
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
        throw error;
      });
    if (previous?.VersionId) {
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSPREVIOUS',
          RemoveFromVersionId: previous.VersionId,
        }),
      );
    }
  }
  return { versionId: out.VersionId };
}

/**
 * Refuses (`RotationTooSoon`) when the current version is younger than `minAgeSeconds`: replacing
 * it now would push out a previous version that containers or unexpired tokens still rely on.
 */
export async function assertCurrentOldEnough(
  client: SecretsManagerClient,
  secretId: string,
  minAgeSeconds: number,
  now: () => number = Date.now,
): Promise<void> {
  if (minAgeSeconds <= 0) return;
  const current = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: 'AWSCURRENT' }));
  const ageSeconds = (now() - (current.CreatedDate?.getTime() ?? 0)) / 1000;
  if (ageSeconds < minAgeSeconds) throw new RotationTooSoon(Math.ceil(minAgeSeconds - ageSeconds));
}

/** A rotation refused because the current version is too young to be replaced safely. */
export class RotationTooSoon extends Error {
  constructor(readonly waitSeconds: number) {
    super(
      `the current version is too recent: rotating now would drop a version still in use; wait ${waitSeconds} s, or pass --force`,
    );
  }
}
