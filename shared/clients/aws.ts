import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

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
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

function common(options: AwsClientOptions) {
  return {
    maxAttempts: 2,
    requestHandler: { connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs },
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
