import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Services } from './services.ts';
import { unavailable } from './errors.ts';

/**
 * Resolves when the three tables and both secrets answer; otherwise a 503. Only metadata is read:
 * no secret value is fetched for a health probe.
 */
export async function checkHealth({ config, db, secrets }: Pick<Services, 'config' | 'db' | 'secrets'>): Promise<void> {
  const tables = [config.tokensTable, config.usersTable, config.attemptsTable];
  const secretIds = [config.signingKeySecretId, config.playAuthTokenSecretId];
  try {
    await Promise.all([
      ...tables.map((TableName) => db.send(new DescribeTableCommand({ TableName }))),
      ...secretIds.map((SecretId) => secrets.send(new DescribeSecretCommand({ SecretId }))),
    ]);
  } catch (error) {
    throw unavailable('A dependency', error);
  }
}
