import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { unavailable } from '../errors.ts';

/** Runs a DynamoDB call; any failure of the table becomes a 503 so callers fail closed. */
export async function dynamoCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailable('DynamoDB', error);
  }
}

/** Runs a conditional write: false when its condition did not hold, 503 on any other failure. */
export async function conditionalWrite(write: () => Promise<unknown>): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw unavailable('DynamoDB', error);
  }
}

/** Every item of a paginated Scan or Query (lib-dynamodb's paginators), in order; 503 on any failure. */
export function allItems<T>(pages: AsyncIterable<{ Items?: Record<string, unknown>[] | undefined }>): Promise<T[]> {
  return dynamoCall(async () => {
    const items: T[] = [];
    for await (const page of pages) items.push(...((page.Items ?? []) as T[]));
    return items;
  });
}
