import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { localAwsEnvironment } from '../infra/local/stack.ts';
import { BENCH_ENV, type BenchStack } from './bench-stack.ts';
import { buildBundles } from '../infra/bundle/bundles.ts';
import type { Profile } from './profile.ts';
import { authorizerRequest, issueBenchTokens } from './tokens.ts';

export interface ColdStart {
  name: string;
  /** Bundle size, for context: its budget is a test's (test/unit/bundle-size.test.ts). */
  bytes: number;
  /** Median over fresh processes of `require()` of the bundle: Lambda's init phase. */
  loadMs: number;
  /** Median time of the first invocation (services built, secrets and record read on loopback). */
  firstInvocationMs?: number;
}

const MARK = 'xuc-auth-bench-cold-start ';
/**
 * Run in a fresh `node` per sample: loads the bundle, then, given an event, invokes the handler
 * once. The clock starts inside the child so that Node's own start-up is not counted.
 */
const CHILD = `
const MARK = ${JSON.stringify(MARK)};
const { performance } = require('node:perf_hooks');
const [bundle, event] = process.argv.slice(1);
const start = performance.now();
const { handler } = require(bundle);
const loadMs = performance.now() - start;
(async () => {
  let firstInvocationMs;
  if (event) {
    const before = performance.now();
    const result = await handler(JSON.parse(event));
    firstInvocationMs = performance.now() - before;
    if (!result || result.isAuthorized !== true) throw new Error('first invocation was not allowed: ' + JSON.stringify(result));
  }
  process.stdout.write('\\n' + MARK + JSON.stringify({ loadMs, firstInvocationMs }) + '\\n');
})().catch((error) => { console.error(error); process.exit(1); });
`;

/** The middle value (the lower of the two for an even count): one slow process does not move it. */
const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.ceil(values.length / 2) - 1] ?? Number.NaN;

async function sample(
  bundle: string,
  env: NodeJS.ProcessEnv,
  event?: string,
): Promise<{ loadMs: number; firstInvocationMs?: number }> {
  const args = ['-e', CHILD, bundle, ...(event ? [event] : [])];
  const { stdout } = await promisify(execFile)(process.execPath, args, { env, timeout: 30_000 });
  // The functions may print too (logs, metrics): the figures are on the marked line.
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`no timing from the cold start of ${bundle}:\n${stdout}`);
  return JSON.parse(line.slice(MARK.length)) as { loadMs: number; firstInvocationMs?: number };
}

/** Builds the bundles, then loads each one in fresh processes; the authorizer also decides once. */
export async function benchColdStarts(root: string, stack: BenchStack, profile: Profile): Promise<ColdStart[]> {
  const outdir = await mkdtemp(join(tmpdir(), 'xuc-auth-bench-bundles-'));
  try {
    const bundles = await buildBundles(root, outdir);
    const [token] = (await issueBenchTokens(stack, 1, '')).valid;
    const event = JSON.stringify({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:bench',
      ...authorizerRequest(token ?? ''),
    });
    const { NODE_OPTIONS: _, ...inherited } = process.env;
    const env = {
      ...inherited,
      ...BENCH_ENV,
      ...localAwsEnvironment(stack.endpoints),
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // What serverless.yml leaves out of the bundles (custom.esbuild.exclude) comes from a layer or
      // the runtime's modules on Lambda; here, from this repository's.
      NODE_PATH: join(root, 'node_modules'),
    };
    const results: ColdStart[] = [];
    for (const { name, file, bytes } of bundles) {
      const isAuthorizer = name === 'authorizer';
      const samples = [];
      for (let i = 0; i < profile.coldStarts[isAuthorizer ? 'authorizer' : 'others']; i++) {
        samples.push(await sample(file, env, isAuthorizer ? event : undefined));
      }
      const firsts = samples.map((s) => s.firstInvocationMs).filter((ms): ms is number => ms !== undefined);
      results.push({
        name,
        bytes,
        loadMs: median(samples.map((s) => s.loadMs)),
        ...(firsts.length > 0 ? { firstInvocationMs: median(firsts) } : {}),
      });
    }
    return results;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}
