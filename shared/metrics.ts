import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * CloudWatch metrics in the Embedded Metric Format (one JSON line each, turned into metrics by
 * CloudWatch Logs), namespace `XucAuth`:
 * - `TokensIssued` (Count) by `Method`;
 * - `ExchangeFailures` (Count) by `Method` and `ErrorCode`;
 * - `ExchangeLatency` (Milliseconds) by `Method` and `Outcome`;
 * - `AuthorizerDenials` (Count) by `Reason` (a small fixed set: NoToken, InvalidToken,
 *   TokenExpired, SharedTokenRoute, UnreadablePath, ServiceUnavailable, UnhandledError).
 */
const metrics = new Metrics({ namespace: 'XucAuth', serviceName: 'xuc-auth' });

export function recordExchange(
  method: string,
  outcome: 'success' | 'failure',
  latencyMs: number,
  errorCode?: string,
): void {
  const latency = metrics.singleMetric();
  latency.addDimensions({ Method: method, Outcome: outcome });
  latency.addMetric('ExchangeLatency', MetricUnit.Milliseconds, latencyMs);
  const count = metrics.singleMetric();
  count.addDimension('Method', method);
  if (outcome === 'success') count.addMetric('TokensIssued', MetricUnit.Count, 1);
  else {
    count.addDimension('ErrorCode', errorCode ?? 'UnhandledError');
    count.addMetric('ExchangeFailures', MetricUnit.Count, 1);
  }
}

export function recordDenial(reason: string): void {
  const denial = metrics.singleMetric();
  denial.addDimension('Reason', reason);
  denial.addMetric('AuthorizerDenials', MetricUnit.Count, 1);
}
