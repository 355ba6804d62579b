import { Argument, type Command } from 'commander';
import type { CliContext } from './main.ts';
import {
  newSecretValue,
  rotateSecret,
  rotationSpacingSeconds,
  type RotatedSecret,
} from '../shared/secrets/rotation.ts';

interface RotateFlags {
  force?: boolean;
  dropPrevious?: boolean;
}

export function secretsCommands(program: Command, cli: CliContext): void {
  const secrets = program.command('secrets').description('the signing key and the shared token');

  secrets
    .command('rotate')
    .description(
      'makes a new version current at once; the previous one stays accepted until the next rotation, ' +
        'which is refused until every container has the current one (and, for the signing key, every token it signed has expired)',
    )
    .addArgument(new Argument('<secret>').choices(['signing-key', 'play-auth-token']))
    .option('--force', 'rotate even if that drops a previous version still in use')
    .option('--drop-previous', 'stop accepting the previous version at once (it has leaked)')
    .action(async (kind: RotatedSecret, flags: RotateFlags) => {
      const target = cli.target();
      const { config, secrets: client, now } = target.services;
      const secretId = kind === 'signing-key' ? config.signingKeySecretId : config.playAuthTokenSecretId;
      const value = newSecretValue(kind);
      const { versionId } = await rotateSecret(client, secretId, value, {
        minAgeSeconds: flags.force ? 0 : rotationSpacingSeconds(kind, config),
        dropPrevious: Boolean(flags.dropPrevious),
        now,
      });
      // The new shared token must be given to every server process, so it is shown, once; the
      // signing key never leaves Secrets Manager.
      const shown = kind === 'play-auth-token' ? { playAuthToken: value } : {};
      const previous = flags.dropPrevious
        ? 'the previous one is no longer accepted (containers drop it within SECRETS_CACHE_TTL)'
        : 'the previous one stays accepted until the next rotation';
      cli.print(
        `Rotated ${secretId} on ${target.description}: version ${versionId} is current, ${previous}.\n` +
          (kind === 'play-auth-token'
            ? `New shared token (configure it as PLAY_AUTH_TOKEN everywhere): ${value}\n`
            : ''),
        { secretId, versionId, previousDropped: Boolean(flags.dropPrevious), ...shown },
      );
    });
}
