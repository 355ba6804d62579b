import type { SecretsManagerRotationEvent } from 'aws-lambda';
import { createSecretsClient } from '../../shared/clients/aws.ts';
import { config } from '../../shared/config.ts';
import { logger, reasonOf } from '../../shared/logger.ts';
import { rotationSpacingSeconds } from '../../shared/secrets/rotation.ts';
import { rotateSigningKeyStep } from '../../shared/secrets/signing-key-rotation.ts';

const secrets = createSecretsClient({ timeoutMs: config().dependencyTimeoutMs });

/**
 * Secrets Manager's rotation function for the signing key (RotationSchedule in
 * infra/resources/rotation.cjs). A throw fails the step; Secrets Manager keeps AWSCURRENT where it was.
 */
export async function handler(event: SecretsManagerRotationEvent): Promise<void> {
  const settings = {
    secretId: config().signingKeySecretId,
    minAgeSeconds: rotationSpacingSeconds('signing-key', config()),
  };
  try {
    await rotateSigningKeyStep(secrets, event, settings);
    // The request token is the new version's id, the tokens' future kid: not a secret.
    logger.info('signing key rotation step done', { step: event.Step, versionId: event.ClientRequestToken });
  } catch (error) {
    logger.error('signing key rotation step failed', {
      step: event.Step,
      versionId: event.ClientRequestToken,
      reason: reasonOf(error),
    });
    throw error;
  }
}
