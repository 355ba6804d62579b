import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { GetSecretValue } from '../secrets/versioned-secret.ts';
import type { BatchGetItems } from '../tokens/token-state-reader.ts';
import type { AwsJsonRpcClient } from './aws-json-rpc.ts';

type AttributeMap = Parameters<typeof unmarshall>[0];

interface BatchGetItemOutput {
  Responses?: Record<string, AttributeMap[]>;
  UnprocessedKeys?: Record<string, unknown>;
}

/** `GetSecretValue` on a Secrets Manager `AwsJsonRpcClient`. */
export const rpcGetSecretValue =
  (client: AwsJsonRpcClient): GetSecretValue =>
  (input) =>
    client.call('GetSecretValue', input);

/** `BatchGetItems` on a DynamoDB `AwsJsonRpcClient`, with consistent reads, marshalled as the document client does. */
export const rpcBatchGet =
  (client: AwsJsonRpcClient): BatchGetItems =>
  async (requestItems) => {
    const out = await client.call<BatchGetItemOutput>('BatchGetItem', {
      RequestItems: Object.fromEntries(
        Object.entries(requestItems).map(([table, { Keys }]) => [
          table,
          { Keys: Keys.map((key) => marshall(key)), ConsistentRead: true },
        ]),
      ),
    });
    if (Object.keys(out.UnprocessedKeys ?? {}).length > 0) throw new Error('DynamoDB left keys unprocessed');
    return Object.fromEntries(
      Object.entries(out.Responses ?? {}).map(([table, items]) => [table, items.map((item) => unmarshall(item))]),
    );
  };
