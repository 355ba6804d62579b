import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The structured JSON logger of every function. Nothing secret is ever passed to it: tokens
 * are logged by id, credentials not at all, and errors by code and reason.
 */
export const logger = new Logger({ serviceName: 'xuc-auth' });

/** The chain of `cause` messages of an error, for logs only. */
export function reasonOf(error: unknown): string {
  const reasons: string[] = [];
  for (let e: unknown = error; e instanceof Error && reasons.length < 5; e = e.cause) {
    reasons.push(e.message);
  }
  return reasons.join(': ') || String(error);
}
