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

/** How long a container answers /health from its last deep probe. */
const HEALTH_CACHE_MS = 5000;

/**
 * `check`'s outcome, success or failure, kept for `ttlMs`: a flood of `/health` calls costs each
 * container one deep probe (five DynamoDB and Secrets Manager calls) every few seconds, not one a call.
 */
export function cachedHealthCheck(
  check: () => Promise<void>,
  ttlMs = HEALTH_CACHE_MS,
  now: () => number = Date.now,
): () => Promise<void> {
  let last: { at: number; outcome: Promise<void> } | undefined;
  return () => {
    if (!last || now() - last.at >= ttlMs) {
      const outcome = check();
      // Kept to be awaited by the calls to come; not an unhandled rejection meanwhile.
      outcome.catch(() => undefined);
      last = { at: now(), outcome };
    }
    return last.outcome;
  };
}
