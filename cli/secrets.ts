import { Argument, type Command } from 'commander';
import type { CliContext } from './main.ts';
import { newSecretValue, rotateSecret, type RotatedSecret } from '../shared/secrets/rotation.ts';

export function secretsCommands(program: Command, cli: CliContext): void {
  const secrets = program.command('secrets').description('the signing key and the shared token');

  secrets
    .command('rotate')
    .description('makes a new version current at once; the previous one stays accepted until the next rotation')
    .addArgument(new Argument('<secret>').choices(['signing-key', 'play-auth-token']))
    .action(async (kind: RotatedSecret) => {
      const target = cli.target();
      const { config, secrets: client } = target.services;
      const secretId = kind === 'signing-key' ? config.signingKeySecretId : config.playAuthTokenSecretId;
      const value = newSecretValue(kind);
      const { versionId } = await rotateSecret(client, secretId, value);
      // The new shared token must be given to every server process, so it is shown, once; the
      // signing key never leaves Secrets Manager.
      const shown = kind === 'play-auth-token' ? { playAuthToken: value } : {};
      cli.print(
        `Rotated ${secretId} on ${target.description}: version ${versionId} is current, the previous one stays accepted until the next rotation.\n` +
          (kind === 'play-auth-token'
            ? `New shared token (configure it as PLAY_AUTH_TOKEN everywhere): ${value}\n`
            : ''),
        { secretId, versionId, ...shown },
      );
    });
}
