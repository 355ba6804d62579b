import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsManagerEmulator, serveSecretsManager } from '../../infra/local/secrets-manager-emulator.ts';
import { closeServer, listen } from '../../infra/local/servers.ts';
import { LOCAL_SIGNING, serveDynalite } from '../../infra/local/stack.ts';
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
      dynamo = serveDynalite(join(dir, 'dynamodb'));
      await listen(dynamo, ports.dynamodb);
    },
    async stopDynamo() {
      if (dynamo) await closeServer(dynamo);
      dynamo = undefined;
    },
    async startSecrets() {
      const emulator = new SecretsManagerEmulator(join(dir, 'secrets.json'));
      secrets = (await serveSecretsManager(emulator, LOCAL_SIGNING, ports.secrets)).server;
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
