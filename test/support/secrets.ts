import { randomUUID } from 'node:crypto';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { inject } from 'vitest';
import { localClients } from '../../infra/local/stack.ts';

/** Creates a secret of its own for a test (rotation tests must not rotate the shared ones). */
export async function createSecret(value: string): Promise<string> {
  const name = `test/${randomUUID()}`;
  await localClients(inject('endpoints')).secrets.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return name;
}
