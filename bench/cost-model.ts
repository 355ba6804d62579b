import { FEED_SHARDS } from '../shared/tokens/revocation-feed-layout.ts';
import * as f from './format.ts';

/**
 * What authorizing a million requests costs in DynamoDB reads and Lambda GB-seconds, by formula
 * (the assumptions are printed with the table). Three authorizers: this one (decision cache +
 * revocation feed), the obvious one (reads the token's record on every request) and API
 * Gateway's cached authorizer (one Lambda call per token per cache TTL, no revocation).
 */
const REQUESTS = 1_000_000;
/** The million requests arrive over one hour. */
const PERIOD_S = 3600;
const MEMORY_GB = 0.25;
/** Billed Lambda durations: a decision from memory bills the 1 ms minimum; one that reads DynamoDB about 6 ms. */
const CACHED_MS = 1;
const READ_MS = 6;
const API_GATEWAY_TTL_S = 300;
const USERS = [1_000, 10_000, 100_000];
const CONTAINERS = [10, 100, 1_000];

interface Row {
  users: number;
  containers: number;
  ours: { reads: number; gbSeconds: number };
  obvious: { reads: number; gbSeconds: number };
  apiGateway: { reads: number; gbSeconds: number };
}

/** Distinct containers one token's requests reach in a cache TTL, requests landing on containers at random. */
const containersReached = (requests: number, containers: number) => containers * (1 - (1 - 1 / containers) ** requests);

export function costModel(windowS: number, cacheTtlS: number): Row[] {
  return USERS.flatMap((users) =>
    CONTAINERS.map((containers) => {
      const perUserPerTtl = (REQUESTS / users) * (cacheTtlS / PERIOD_S);
      const recordReads = Math.min(
        REQUESTS,
        users * (PERIOD_S / cacheTtlS) * containersReached(perUserPerTtl, containers),
      );
      const perContainerPerWindow = (REQUESTS / containers) * (windowS / PERIOD_S);
      // A container reads the feed only in windows where it serves a cached token.
      const feedReads = containers * (PERIOD_S / windowS) * Math.min(1, perContainerPerWindow);
      const reads = recordReads + feedReads;
      const apiGatewayCalls = Math.min(REQUESTS, users * (PERIOD_S / API_GATEWAY_TTL_S));
      return {
        users,
        containers,
        ours: { reads, gbSeconds: (((REQUESTS - recordReads) * CACHED_MS + reads * READ_MS) / 1000) * MEMORY_GB },
        obvious: { reads: REQUESTS, gbSeconds: ((REQUESTS * READ_MS) / 1000) * MEMORY_GB },
        apiGateway: { reads: apiGatewayCalls, gbSeconds: ((apiGatewayCalls * READ_MS) / 1000) * MEMORY_GB },
      };
    }),
  );
}

/** The cost model as BENCHMARKS.md shows it. */
export function costModelMarkdown(windowS: number, cacheTtlS: number): string {
  const rows = costModel(windowS, cacheTtlS).map((r) => [
    f.count(r.users),
    f.count(r.containers),
    `${f.count(Math.round(r.ours.reads))} · ${r.ours.gbSeconds.toFixed(0)}`,
    `${f.count(r.obvious.reads)} · ${r.obvious.gbSeconds.toFixed(0)}`,
    `${f.count(Math.round(r.apiGateway.reads))} · ${r.apiGateway.gbSeconds.toFixed(0)}`,
  ]);
  const perItem = 10_000 / FEED_SHARDS;
  return [
    `Per million authorized requests arriving over an hour, in DynamoDB reads (requests) · Lambda GB-seconds
(${MEMORY_GB * 1024} MB; a decision from memory bills ${CACHED_MS} ms, one that reads DynamoDB ${READ_MS} ms). One live token per
user, requests spread evenly over users and at random over containers. *This authorizer*: one record read per token
per container per AUTHORIZER_CACHE_TTL (${cacheTtlS} s), plus one feed read per container per REVOCATION_WINDOW
(${windowS} s) in which it serves; revocations reach every container within the window. *Obvious*: the token's record
read on every request; revocation at once. *API Gateway cache*: the authorizer called once per token per ${API_GATEWAY_TTL_S} s
(its default TTL), every other request answered by API Gateway; a revoked token stays admitted up to ${API_GATEWAY_TTL_S} s,
and the query-string token form cannot be cached with the header form (see the README).`,
    '',
    '| active users | warm containers | this authorizer | obvious (one read per request) | API Gateway cache (300 s) |',
    '|---|---|---|---|---|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
    '',
    `At 10,000 warm containers each reads one of the feed's ${FEED_SHARDS} copies once a second: ${f.count(perItem)} strongly
consistent reads a second per feed item (items of a few hundred bytes: 1 RCU each), against DynamoDB's 3,000 RCU a
second per partition. Each revocation costs ${FEED_SHARDS} small writes.`,
  ].join('\n');
}
