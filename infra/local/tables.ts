import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, ResourceInUseException, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parse } from 'yaml';

const RESOURCES = fileURLToPath(new URL('../resources/dynamodb.yml', import.meta.url));

interface TableResource {
  Type: string;
  Properties: CreateTableCommandInput & Record<string, unknown>;
}

/**
 * CreateTable inputs for the tables declared in `infra/resources/dynamodb.yml`, named by
 * `names` (logical id → table name), so that local tables have the deployed key schema and
 * indexes. Properties that only CloudFormation knows (TTL, PITR, SSE) are left out.
 */
function tableDefinitions(names: Record<string, string>): CreateTableCommandInput[] {
  const { Resources } = parse(readFileSync(RESOURCES, 'utf8')) as { Resources: Record<string, TableResource> };
  return Object.entries(Resources)
    .filter(([, resource]) => resource.Type === 'AWS::DynamoDB::Table')
    .map(([logicalId, { Properties }]) => {
      const tableName = names[logicalId];
      if (!tableName) throw new Error(`no table name given for ${logicalId}`);
      return {
        TableName: tableName,
        BillingMode: Properties.BillingMode,
        AttributeDefinitions: Properties.AttributeDefinitions,
        KeySchema: Properties.KeySchema,
        ...(Properties.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: Properties.GlobalSecondaryIndexes } : {}),
      };
    });
}

/** Creates the tables that do not exist yet (a document client sends plain DynamoDB commands as they are). */
export async function createTables(client: DynamoDBDocumentClient, names: Record<string, string>): Promise<void> {
  for (const definition of tableDefinitions(names)) {
    try {
      await client.send(new CreateTableCommand(definition));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
  }
}
