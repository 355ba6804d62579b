import { authorize, type AuthorizerDeps, type AuthorizerRequest, type Decision } from '../shared/authorizer/authorize.ts';
import { DecisionCache } from '../shared/authorizer/decision-cache.ts';
import { BaselineAuthorizer } from './baseline-authorizer.ts';
import { SHARED_TOKEN, type BenchStack } from './bench-stack.ts';
import { measure, summarize, type Summary } from './harness.ts';
import { warmupFor, type Profile } from './profile.ts';
import { authorizerRequest, issueBenchTokens, type BenchTokens } from './tokens.ts';

export type CaseId = 'cached' | 'dbRead' | 'forged' | 'expired' | 'shared';

export interface CaseResult {
  id: CaseId;
  label: string;
  summary: Summary;
  /** AWS round trips per decision over the timed run (warm-up included). */
  dynamodbPerDecision: number;
  secretsManagerPerDecision: number;
}

export interface AuthorizerResults {
  production: CaseResult[];
  /** The baseline has no cache: its valid-token case stands for both `cached` and `dbRead`. */
  baseline: CaseResult[];
  /** Per-call latencies for the chart. */
  samplesNs: { cached: Float64Array; dbRead: Float64Array; baseline: Float64Array };
  window: WindowCounts;
}

/** The call-count run of the production authorizer: a few tokens, many decisions, several cache windows. */
export interface WindowCounts {
  windowSeconds: number;
  tokens: number;
  windows: number;
  decisions: number;
  dynamodbReads: number;
  secretsManagerCalls: number;
  readsPerTokenPerWindow: number;
  secretsManagerPerDecision: number;
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
  { id: 'cached', label: 'valid token, cached', expected: 'allow', tokens: (t) => t.valid, withIo: false },
  { id: 'dbRead', label: 'valid token, DynamoDB read (cache miss)', expected: 'allow', tokens: (t) => t.valid, withIo: true },
  { id: 'forged', label: 'forged token', expected: 'deny', tokens: (t) => [t.forged], withIo: false },
  { id: 'expired', label: 'expired token', expected: 'deny', tokens: (t) => [t.expired], withIo: false },
  { id: 'shared', label: 'shared token', expected: 'allow', tokens: (t) => [t.shared], withIo: false },
];

async function runCase(stack: BenchStack, spec: CaseSpec, decide: Decide, tokens: BenchTokens, iterations: number): Promise<CaseResult & { samplesNs: Float64Array }> {
  const requests = spec.tokens(tokens).map(authorizerRequest);
  for (const request of requests) {
    const decision = await decide(request);
    if (decision.kind !== spec.expected) {
      throw new Error(`authorizer case "${spec.label}": expected ${spec.expected}, got ${JSON.stringify(decision)}`);
    }
  }
  const warmup = warmupFor(iterations);
  stack.counter.reset();
  const timing = await measure((i) => decide(requests[i % requests.length] as AuthorizerRequest), { iterations, warmup });
  const decisions = iterations + warmup;
  return {
    id: spec.id,
    label: spec.label,
    summary: summarize(timing),
    dynamodbPerDecision: stack.counter.count('dynamodb') / decisions,
    secretsManagerPerDecision: stack.counter.count('secretsManager') / decisions,
    samplesNs: timing.samplesNs,
  };
}

/**
 * Counts the production authorizer's AWS calls over `windows` cache windows, with a clock the
 * cache reads so that a window passes without waiting for it. Secrets are warm beforehand, as in
 * a container that already served a request.
 */
async function countWindows(stack: BenchStack, deps: Omit<AuthorizerDeps, 'cache'>, tokens: BenchTokens, profile: Profile): Promise<WindowCounts> {
  const ttlMs = stack.config.authorizerCacheTtlSeconds * 1000;
  let clock = Date.now();
  const cache = new DecisionCache(ttlMs, 10_000, () => clock);
  const requests = tokens.valid.map(authorizerRequest);
  await authorize({ ...deps, cache }, authorizerRequest(tokens.shared));
  await authorize({ ...deps, cache }, authorizerRequest(tokens.forged));
  stack.counter.reset();
  const { windows, decisionsPerWindow } = profile.authorizer;
  for (let w = 0; w < windows; w++) {
    for (let i = 0; i < decisionsPerWindow; i++) await authorize({ ...deps, cache }, requests[i % requests.length] as AuthorizerRequest);
    clock += ttlMs;
  }
  const decisions = windows * decisionsPerWindow;
  // The authorizer only reads: every DynamoDB request counts, whatever its command (GetItem, BatchGetItem…).
  const dynamodbReads = stack.counter.count('dynamodb');
  const secretsManagerCalls = stack.counter.count('secretsManager');
  return {
    windowSeconds: ttlMs / 1000,
    tokens: requests.length,
    windows,
    decisions,
    dynamodbReads,
    secretsManagerCalls,
    readsPerTokenPerWindow: dynamodbReads / (requests.length * windows),
    secretsManagerPerDecision: secretsManagerCalls / decisions,
  };
}

export async function benchAuthorizer(stack: BenchStack, profile: Profile): Promise<AuthorizerResults> {
  const services = stack.services();
  const tokens = await issueBenchTokens(stack, profile.authorizer.tokens, SHARED_TOKEN);
  const { cache, ...deps } = stack.authorizerServices();
  const production = (spec: CaseSpec): Decide => (request) => authorize(spec.id === 'dbRead' ? deps : { ...deps, cache }, request);
  const baselineAuthorizer = new BaselineAuthorizer(services.db, services.secrets, stack.config);
  const baseline: Decide = (request) => baselineAuthorizer.authorize(request);

  const { inProcess, withIo } = profile.authorizer;
  const productionResults: (CaseResult & { samplesNs: Float64Array })[] = [];
  for (const spec of CASES) productionResults.push(await runCase(stack, spec, production(spec), tokens, spec.withIo ? withIo : inProcess));
  const baselineResults = [];
  for (const spec of CASES.filter((c) => c.id !== 'cached')) {
    const result = await runCase(stack, spec, baseline, tokens, withIo);
    baselineResults.push(spec.id === 'dbRead' ? { ...result, label: 'valid token' } : result);
  }
  const sample = (results: typeof productionResults, id: CaseId) => results.find((r) => r.id === id)?.samplesNs ?? new Float64Array();
  return {
    production: productionResults.map(({ samplesNs: _, ...result }) => result),
    baseline: baselineResults.map(({ samplesNs: _, ...result }) => result),
    samplesNs: {
      cached: sample(productionResults, 'cached'),
      dbRead: sample(productionResults, 'dbRead'),
      baseline: sample(baselineResults, 'dbRead'),
    },
    window: await countWindows(stack, deps, tokens, profile),
  };
}
