import type { CliIo, CliOptions } from './main.ts';
import { printer } from './output.ts';
import { UsageError, type Target } from './target.ts';
import { newSecretValue, rotateSecret, type RotatedSecret } from '../shared/secrets/rotation.ts';

export async function secretsCommand(action: string | undefined, args: string[], options: CliOptions, target: Target, io: CliIo): Promise<void> {
  const [which] = args;
  if (action !== 'rotate' || (which !== 'signing-key' && which !== 'play-auth-token')) {
    throw new UsageError('Use: secrets rotate signing-key | play-auth-token');
  }
  const kind: RotatedSecret = which;
  const { config, secrets } = target.services;
  const secretId = kind === 'signing-key' ? config.signingKeySecretId : config.playAuthTokenSecretId;
  const value = newSecretValue(kind);
  const { versionId } = await rotateSecret(secrets, secretId, value);
  // The new shared token must be given to every server process, so it is shown, once; the
  // signing key never leaves Secrets Manager.
  const shown = kind === 'play-auth-token' ? { playAuthToken: value } : {};
  const human =
    `Rotated ${secretId} on ${target.description}: version ${versionId} is current, the previous one stays accepted until the next rotation.\n` +
    (kind === 'play-auth-token' ? `New shared token (configure it as PLAY_AUTH_TOKEN everywhere): ${value}\n` : '');
  printer(options.json, io.stdout)(human, { secretId, versionId, ...shown });
}
