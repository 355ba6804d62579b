import { authorize, type AuthorizerRequest, type Decision } from '../shared/authorizer/authorize.ts';
import { BaselineAuthorizer } from './baseline-authorizer.ts';
import { SHARED_TOKEN, type BenchStack } from './bench-stack.ts';
import { measure, type Summary, type Timing } from './harness.ts';
import { warmupFor, type Profile } from './profile.ts';
import { authorizerRequest, issueBenchTokens, type BenchTokens } from './tokens.ts';

export type CaseId = 'cached' | 'dbRead' | 'forged' | 'expired' | 'shared';

export interface CaseResult {
  id: CaseId;
  label: string;
  summary: Summary;
}

export interface AuthorizerResults {
  production: CaseResult[];
  /** The baseline has no cache: its valid-token case stands for both `cached` and `dbRead`. */
  baseline: CaseResult[];
  /** The decision cache's window (AUTHORIZER_CACHE_TTL) in the bench stage. */
  cacheTtlSeconds: number;
  /** Per-call latencies for the chart. */
  timings: { cached: Timing; dbRead: Timing; baseline: Timing };
}

/** Either authorizer: only the kind of decision is compared. */
type Decide = (request: AuthorizerRequest) => Promise<Pick<Decision, 'kind'>>;

interface CaseSpec {
  id: CaseId;
  label: string;
  expected: Decision['kind'];
  tokens: (t: BenchTokens) => string[];
  withIo: boolean;
}

const CASES: CaseSpec[] = [
  {
    id: 'cached',
    label: 'valid token, cached (revocation feed checked)',
    expected: 'allow',
    tokens: (t) => t.valid,
    withIo: false,
  },
  {
    id: 'dbRead',
    label: 'valid token, DynamoDB read (cache miss)',
    expected: 'allow',
    tokens: (t) => t.valid,
    withIo: true,
  },
  { id: 'forged', label: 'forged token', expected: 'deny', tokens: (t) => [t.forged], withIo: false },
  { id: 'expired', label: 'expired token', expected: 'deny', tokens: (t) => [t.expired], withIo: false },
  { id: 'shared', label: 'shared token', expected: 'allow', tokens: (t) => [t.shared], withIo: false },
];

async function runCase(
  spec: CaseSpec,
  decide: Decide,
  tokens: BenchTokens,
  iterations: number,
): Promise<CaseResult & { timing: Timing }> {
  const requests = spec.tokens(tokens).map(authorizerRequest);
  for (const request of requests) {
    const decision = await decide(request);
    if (decision.kind !== spec.expected) {
      throw new Error(`authorizer case "${spec.label}": expected ${spec.expected}, got ${JSON.stringify(decision)}`);
    }
  }
  const timing = await measure((i) => decide(requests[i % requests.length] as AuthorizerRequest), {
    iterations,
    warmup: warmupFor(iterations),
  });
  return { id: spec.id, label: spec.label, summary: timing.summary, timing };
}

export async function benchAuthorizer(stack: BenchStack, profile: Profile): Promise<AuthorizerResults> {
  const services = stack.services();
  const tokens = await issueBenchTokens(stack, profile.authorizer.tokens, SHARED_TOKEN);
  const { cache, ...deps } = stack.authorizerServices();
  const production =
    (spec: CaseSpec): Decide =>
    (request) =>
      authorize(spec.id === 'dbRead' ? deps : { ...deps, cache }, request);
  const baselineAuthorizer = new BaselineAuthorizer(services.db, services.secrets, stack.config);
  const baseline: Decide = (request) => baselineAuthorizer.authorize(request);

  const { inProcess, withIo } = profile.authorizer;
  const productionResults: (CaseResult & { timing: Timing })[] = [];
  for (const spec of CASES)
    productionResults.push(await runCase(spec, production(spec), tokens, spec.withIo ? withIo : inProcess));
  const baselineResults = [];
  for (const spec of CASES.filter((c) => c.id !== 'cached')) {
    const result = await runCase(spec, baseline, tokens, withIo);
    baselineResults.push(spec.id === 'dbRead' ? { ...result, label: 'valid token' } : result);
  }
  const timing = (results: typeof productionResults, id: CaseId): Timing => {
    const found = results.find((r) => r.id === id);
    if (!found) throw new Error(`no timing for authorizer case ${id}`);
    return found.timing;
  };
  return {
    cacheTtlSeconds: stack.config.authorizerCacheTtlSeconds,
    production: productionResults.map(({ timing: _, ...result }) => result),
    baseline: baselineResults.map(({ timing: _, ...result }) => result),
    timings: {
      cached: timing(productionResults, 'cached'),
      dbRead: timing(productionResults, 'dbRead'),
      baseline: timing(baselineResults, 'dbRead'),
    },
  };
}
