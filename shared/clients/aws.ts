import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import type { GetSecretValue } from '../secrets/versioned-secret.ts';
import type { BatchGetItems } from '../tokens/token-state-reader.ts';

/**
 * AWS clients, built once per container. Endpoints come from the SDK's standard variables
 * (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`), which is how the local
 * stack points the real SDK at its emulators. Short timeouts and one retry keep a dead
 * dependency from holding a request until the Lambda times out: the service fails closed fast.
 */
export interface AwsClientOptions {
  timeoutMs: number;
  endpoints?: { dynamodb?: string; secretsManager?: string };
  region?: string;
  /** Static credentials, for the local emulators; otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Sends the requests in place of a handler built from `timeoutMs` (benchmarks count round trips there). */
  requestHandler?: NodeHttpHandler;
}

function common(options: AwsClientOptions) {
  return {
    maxAttempts: 2,
    // Without throwOnRequestTimeout the SDK only warns when a request overruns its timeout.
    requestHandler: options.requestHandler ?? {
      connectionTimeout: options.timeoutMs,
      requestTimeout: options.timeoutMs,
      throwOnRequestTimeout: true,
    },
    ...(options.region ? { region: options.region } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
  };
}

export function createDocumentClient(options: AwsClientOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    ...common(options),
    ...(options.endpoints?.dynamodb ? { endpoint: options.endpoints.dynamodb } : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

export function createSecretsClient(options: AwsClientOptions): SecretsManagerClient {
  return new SecretsManagerClient({
    ...common(options),
    ...(options.endpoints?.secretsManager ? { endpoint: options.endpoints.secretsManager } : {}),
  });
}

/** `GetSecretValue` on the SDK client. */
export const sdkGetSecretValue =
  (client: SecretsManagerClient): GetSecretValue =>
  (input) =>
    client.send(new GetSecretValueCommand(input));

/** `BatchGetItems` on the SDK's document client, with consistent reads. */
export const documentBatchGet =
  (db: DynamoDBDocumentClient): BatchGetItems =>
  async (requestItems) => {
    const consistent = Object.fromEntries(
      Object.entries(requestItems).map(([table, request]) => [table, { ...request, ConsistentRead: true }]),
    );
    const out = await db.send(new BatchGetCommand({ RequestItems: consistent }));
    if (Object.keys(out.UnprocessedKeys ?? {}).length > 0) throw new Error('DynamoDB left keys unprocessed');
    return out.Responses ?? {};
  };
