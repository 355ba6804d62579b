import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { SecretsManagerEmulator, serveSecretsManager } from '../../infra/local/secrets-manager-emulator.ts';
import { closeServer, listen } from '../../infra/local/servers.ts';
import { freePort } from '../../infra/local/run-stack.ts';

/**
 * DynamoDB and Secrets Manager emulators that a fault test can stop and start again on the same
 * ports with the same data on disk, as an outage and its end look to the service.
 */
export async function stoppableEmulators() {
  const dir = mkdtempSync(join(tmpdir(), 'xuc-auth-faults-'));
  const ports = { dynamodb: await freePort(), secrets: await freePort() };
  let dynamo: Server | undefined;
  let secrets: Server | undefined;
  const emulators = {
    endpoints: { dynamodb: `http://127.0.0.1:${ports.dynamodb}`, secretsManager: `http://127.0.0.1:${ports.secrets}` },
    async startDynamo() {
      dynamo = dynalite({ path: join(dir, 'dynamodb'), createTableMs: 0 });
      await listen(dynamo, ports.dynamodb);
    },
    async stopDynamo() {
      if (dynamo) await closeServer(dynamo);
      dynamo = undefined;
    },
    async startSecrets() {
      secrets = (await serveSecretsManager(new SecretsManagerEmulator(join(dir, 'secrets.json')), ports.secrets))
        .server;
    },
    async stopSecrets() {
      if (secrets) await closeServer(secrets);
      secrets = undefined;
    },
    async close() {
      await Promise.all([emulators.stopDynamo(), emulators.stopSecrets()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await Promise.all([emulators.startDynamo(), emulators.startSecrets()]);
  return emulators;
}
