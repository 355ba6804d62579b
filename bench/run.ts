import './env.ts';
import { abandon } from './abandon.ts';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { benchAuthorizer } from './authorizer-bench.ts';
import { startBenchStack } from './bench-stack.ts';
import { latencyCdf } from './chart.ts';
import { benchColdStarts } from './cold-start-bench.ts';
import { benchExchanges } from './exchanges-bench.ts';
import { BUDGETS, figures, missed } from './figures.ts';
import { duration } from './format.ts';
import { benchLocalStack } from './local-stack-bench.ts';
import { benchRevocation } from './revocation-bench.ts';
import { benchUsersImport } from './users-import-bench.ts';
import { currentLoad, describeMachine } from './machine.ts';
import { startPeers } from './peers.ts';
import { FULL, QUICK } from './profile.ts';
import { consoleTable, markdown } from './report.ts';
import type { Results } from './results.ts';

const USAGE = 'usage: tsx bench/run.ts [--check] [--quick]';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHART = 'bench/authorizer-latency.svg';
const REPORT = 'BENCHMARKS.md';
/** A hung peer or stack must not hold CI: past this, the run fails. */
const DEADLINE_MS = { full: 8 * 60_000, quick: 60_000 };

const flags = new Set(process.argv.slice(2));
const unknown = [...flags].filter((flag) => flag !== '--check' && flag !== '--quick');
if (unknown.length > 0) {
  console.error(`unknown option ${unknown.join(' ')}\n${USAGE}`);
  process.exit(2);
}
const check = flags.has('--check');
const profile = flags.has('--quick') ? QUICK : FULL;

const started = Date.now();
const step = (what: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${what}`);
setTimeout(() => {
  console.error(`benchmark run exceeded ${DEADLINE_MS[profile.name] / 1000} s; giving up`);
  void abandon(15_000).finally(() => process.exit(1));
}, DEADLINE_MS[profile.name]).unref();

async function measureAll(): Promise<Results> {
  const machine = describeMachine();
  step(
    `${profile.name} run on ${machine.cpu}, ${machine.cores} cores, Node.js ${machine.node}, load ${machine.loadAtStart.toFixed(2)}`,
  );
  const stack = await startBenchStack();
  let partial: Omit<Results, 'durationSeconds' | 'localStack'>;
  try {
    step('authorizer decisions, against the baseline');
    const authorizer = await benchAuthorizer(stack, profile);
    step(
      `revocation: ${profile.revocation.containers} authorizer containers, ${profile.revocation.rounds} revocations`,
    );
    const revocation = await benchRevocation(stack, profile);
    step('bundles and cold starts');
    const coldStarts = await benchColdStarts(ROOT, stack, profile);
    step(`users import: ${profile.usersImport.users} users at the production hashing cost`);
    const usersImport = await benchUsersImport(stack, profile);
    step('exchanges (starting the OIDC, CAS and Kerberos peers)');
    const peers = await startPeers();
    try {
      partial = {
        profile,
        machine,
        authorizer,
        revocation,
        coldStarts,
        usersImport,
        exchanges: await benchExchanges(stack, peers, profile),
      };
    } finally {
      await peers.stop();
    }
  } finally {
    await stack.stop();
  }
  // Last, and alone: the stack and autocannon need both cores.
  let localStack;
  if (profile.localStack) {
    step(`local stack: ${profile.localStack.requests} authorized requests with autocannon`);
    localStack = await benchLocalStack(ROOT, profile.localStack);
  }
  return {
    ...partial,
    machine: { ...partial.machine, loadAtEnd: currentLoad() },
    ...(localStack ? { localStack } : {}),
    durationSeconds: (Date.now() - started) / 1000,
  };
}

const results = await measureAll();
const list = figures(results);
console.log(`\n${consoleTable(list)}\n`);

// Only the full report run records its figures; checks and quick runs leave the repository alone.
if (!check && profile.name === 'full') {
  const { cached, dbRead, baseline } = results.authorizer.timings;
  const svg = latencyCdf(
    'Authorizer decision latency, in process (CDF)',
    [
      { label: 'authorizer, cached token', color: '#1a9850', timing: cached },
      { label: 'authorizer, DynamoDB read (cache miss)', color: '#2166ac', timing: dbRead },
      { label: 'baseline: Secrets Manager + DynamoDB every call', color: '#d73027', timing: baseline },
    ],
    { ns: BUDGETS.cachedP50Ns, label: `cached p50 budget ${duration(BUDGETS.cachedP50Ns)}` },
  );
  await writeFile(new URL(`../${CHART}`, import.meta.url), svg);
  await writeFile(new URL(`../${REPORT}`, import.meta.url), markdown(results, list, CHART));
  step(`wrote ${REPORT} and ${CHART}`);
}

const failures = missed(list);
step(`${failures.length === 0 ? 'every budget met' : `${failures.length} budget(s) missed`} (${profile.name} run)`);
// Peers and SDK agents may leave handles behind; the run is over.
process.exit(check && failures.length > 0 ? 1 : 0);
