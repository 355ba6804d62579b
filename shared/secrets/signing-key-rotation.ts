import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { assertCurrentOldEnough, newSecretValue } from './rotation.ts';
import { importSigningKey } from './signing-keys.ts';

export interface RotationSettings {
  /** The signing-key secret (name or ARN): the only secret this rotation touches. */
  secretId: string;
  /** Refuse to start a rotation while the current version is younger (rotationSpacingSeconds). */
  minAgeSeconds: number;
  now?: () => number;
}

/** A rotation step that must not run: Secrets Manager records the rotation as failed and nothing moves. */
export class RotationRefused extends Error {
  override readonly name = 'RotationRefused';
}

const isNotFound = (error: unknown): boolean => error instanceof Error && error.name === 'ResourceNotFoundException';

/**
 * One step of Secrets Manager's rotation of the signing key (createSecret, setSecret, testSecret,
 * finishSecret), for the version Secrets Manager opened under `ClientRequestToken`. Each step may be
 * called again and changes nothing the second time. After finishSecret the new version is
 * AWSCURRENT and signs, and the old one is AWSPREVIOUS and still verifies the tokens it signed
 * (SigningKeys), exactly as after `xuc-auth secrets rotate signing-key`.
 */
export async function rotateSigningKeyStep(
  client: SecretsManagerClient,
  event: SecretsManagerRotationEvent,
  settings: RotationSettings,
): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: token, Step: step } = event;
  const secret = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
  if (secret.Name !== settings.secretId && secret.ARN !== settings.secretId) {
    throw new RotationRefused(`this function rotates ${settings.secretId} only, not ${secretId}`);
  }
  if (!secret.RotationEnabled) throw new RotationRefused(`rotation is not enabled on ${secretId}`);
  const stages = secret.VersionIdsToStages?.[token];
  if (!stages) throw new RotationRefused(`version ${token} has no stage for rotation of ${secretId}`);
  // Secrets Manager calls again after a finished rotation: nothing is left to do.
  if (stages.includes('AWSCURRENT')) return;
  if (!stages.includes('AWSPENDING')) throw new RotationRefused(`version ${token} is not AWSPENDING`);

  switch (step) {
    case 'createSecret':
      return createPending(client, secretId, token, settings);
    case 'setSecret':
      // The key is held by this service alone: no other system has to learn it before it signs.
      return;
    case 'testSecret':
      return testPending(client, secretId, token);
    case 'finishSecret':
      return finish(client, secretId, token, secret.VersionIdsToStages ?? {});
    default:
      throw new RotationRefused(`unknown rotation step ${String(step)}`);
  }
}

/** A new random key as AWSPENDING under the token, unless a previous attempt already put it. */
async function createPending(
  client: SecretsManagerClient,
  secretId: string,
  token: string,
  settings: RotationSettings,
): Promise<void> {
  try {
    await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }));
    return;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  // The spacing the CLI enforces: the version that becomes previous must have outlived every
  // token signed by the one it pushes out, and every container's cache.
  await assertCurrentOldEnough(client, secretId, settings.minAgeSeconds, settings.now);
  await client.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: token,
      SecretString: newSecretValue('signing-key'),
      VersionStages: ['AWSPENDING'],
    }),
  );
}

/** The pending version reads back and is a key tokens can be signed and verified with. */
async function testPending(client: SecretsManagerClient, secretId: string, token: string): Promise<void> {
  const pending = await client.send(
    new GetSecretValueCommand({ SecretId: secretId, VersionId: token, VersionStage: 'AWSPENDING' }),
  );
  if (pending.SecretString === undefined) throw new RotationRefused(`version ${token} has no value`);
  const key = await importSigningKey(pending.SecretString).catch((error: unknown) => {
    throw new RotationRefused(`version ${token} is not a usable signing key`, { cause: error });
  });
  const probe = new TextEncoder().encode(token);
  const { subtle } = globalThis.crypto;
  const signature = await subtle.sign('HMAC', key, probe);
  if (!(await subtle.verify('HMAC', key, signature, probe))) {
    throw new RotationRefused(`version ${token} does not verify what it signs`);
  }
}

/** AWSCURRENT moves to the new version; Secrets Manager makes the old one AWSPREVIOUS. */
async function finish(
  client: SecretsManagerClient,
  secretId: string,
  token: string,
  versions: Record<string, string[]>,
): Promise<void> {
  const current = Object.keys(versions).find((id) => versions[id]?.includes('AWSCURRENT'));
  await client.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: token,
      ...(current ? { RemoveFromVersionId: current } : {}),
    }),
  );
  await client.send(
    new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }),
  );
}
