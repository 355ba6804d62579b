import type { CaseResult } from './authorizer-bench.ts';
import { baselineOf, BUDGETS, type Figure } from './figures.ts';
import * as f from './format.ts';
import { LOCAL_STACK_WARMUP } from './local-stack-bench.ts';
import { PACE_MS } from './revocation-bench.ts';
import type { Results } from './results.ts';
import { costModelMarkdown } from './cost-model.ts';

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const table = (head: string[], rows: string[][]): string =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');

export const verdict = (figure: Figure): string =>
  figure.pass === undefined ? (figure.budget ? 'not run' : '—') : figure.pass ? 'pass' : '**MISSED**';

function resultsTable(list: Figure[]): string {
  return table(
    ['Section', 'Figure', 'Measured', 'Budget', 'Result'],
    list.map((x) => [x.section, x.name, x.measured, x.budget ?? '—', verdict(x)]),
  );
}

function ratiosTable(results: Results): string {
  const row = (c: CaseResult): string[] => {
    const base = baselineOf(results, c.id);
    return [
      c.label,
      f.perSecond(c.summary.opsPerSecond),
      f.perSecond(base.summary.opsPerSecond),
      f.ratio(c.summary.opsPerSecond / base.summary.opsPerSecond),
      f.ratio(base.summary.p50Ns / c.summary.p50Ns),
      f.ratio(base.summary.p99Ns / c.summary.p99Ns),
    ];
  };
  return table(
    ['Case', 'Authorizer', 'Baseline', 'Throughput ×', 'p50 faster ×', 'p99 faster ×'],
    results.authorizer.production.map(row),
  );
}

function methodText(results: Results): string {
  const p = results.profile;
  return `- **Authorizer decisions** call \`authorize()\` of \`shared/authorizer/authorize.ts\` in this process, one awaited call
  at a time, with services built by \`createAuthorizerServices()\` as the handler builds them (its JSON RPC clients on
  the SDK's signer and HTTP handler) pointed at the embedded DynamoDB (dynalite, in memory) and the in-repo Secrets
  Manager emulator, both served from this same process. The event
  is an HTTP API payload 2.0 with 13 browser headers and the token in \`X-Auth-Token\`. Each case runs
  ${f.count(p.authorizer.inProcess)} timed calls (${f.count(p.authorizer.withIo)} for those that do I/O) after untimed
  warm-up calls, timed by tinybench on \`process.hrtime\`; ops/s is 1 / mean latency, percentiles interpolate.
  *Cached* hits the decision cache (\`DecisionCache\`, AUTHORIZER_CACHE_TTL = ${results.authorizer.cacheTtlSeconds} s);
  *DynamoDB read* runs with no decision cache, so every call verifies the HMAC and looks the token up in DynamoDB;
  *forged* is a valid token's header and claims signed with another key; *expired* is correctly signed and an
  hour past \`exp\`; *shared* is the PLAY_AUTH_TOKEN. ${p.authorizer.tokens} tokens are used round robin.
- **Baseline** (\`bench/baseline-authorizer.ts\`): the same decision written the obvious way, with no cache at all: every
  call reads the shared-token secret and the signing-key secret from Secrets Manager, imports the key, verifies the
  JWS with jose and reads the token record from DynamoDB. It runs against the same emulators in the same run.
- **Cold start**: every \`functions/*/handler.ts\` is bundled with esbuild's API using serverless.yml's
  \`custom.esbuild\` options (bundle, minify, node24, cjs, mainFields module/main, \`kerberos\` external, the environment-only credential provider aliased in), the build whose bytes
  \`test/unit/bundle-size.test.ts\` holds to budget. Each bundle is then \`require()\`d in fresh \`node\` processes
  (${p.coldStarts.authorizer} for the authorizer, ${p.coldStarts.others} for the others; median shown; Node's own start-up is not counted). For the authorizer, *init* is its first
  decision in that process with a valid token: clients built, the two secrets (current and previous versions)
  and the token record read from the emulators over loopback, so it carries no network latency to AWS.
  KB = 1,024 bytes.
- **Exchanges** run the shared code of each function in process against the same emulators and the test suite's
  real peers on loopback: panva's oidc-provider (JWKS fetched by a warm-up call), django-cas-server (service
  tickets obtained through its login form before the clock starts: each is single-use), an MIT KDC (SPNEGO tokens
  made beforehand in child processes: each is usable once because of the replay cache). *Without the hashing* logs
  in a user whose hash and policy use scrypt N = 2; the difference with the OWASP row is the hashing.
- **Users import** (\`bench/users-import-bench.ts\`): \`importUsers()\`, the service behind \`xuc-auth users import\`, on an
  XiVO users CSV of ${p.usersImport.users} new users with passwords, at the production hashing cost (scrypt
  ln=${results.usersImport.logN}, r=8, p=1), against the same emulators; each import is one call timed by tinybench. Then the
  same file again (each password verified against its stored hash, nothing written), and ${p.usersImport.users} other new users
  one at a time.
- **Local stack**: the real \`npm start\` (serverless-offline, functions in worker threads, dynalite and the Secrets
  Manager emulator in its process) on free loopback ports, with a temporary data dir and a private service dir
  (links to the checkout, so that its \`.esbuild\` build dir is not shared with another running stack); the demo user logs in, then
  autocannon sends ${results.localStack ? f.count(results.localStack.requests) : f.count(BUDGETS.localStackRequests)} \`GET /xuc/api/2.0/auth/tokens\` with \`X-Auth-Token\` over ${results.localStack?.connections ?? 10} connections, after ${LOCAL_STACK_WARMUP} untimed
  ones. An error is a connection error, a timeout or any answer other than 2xx.
- **Revocation** (\`bench/revocation-bench.ts\`): ${results.revocation.containers} authorizer containers, each built by
  \`createAuthorizerServices()\` (its own decision cache and revocation view, the real clock, REVOCATION_WINDOW =
  ${results.revocation.windowMs / 1000} s), serve a fresh token every ${PACE_MS} ms side by side; half a window later the token store revokes it
  (the path logout takes), and each container's first denial is timed from the revoking call's return. Feed reads
  are the container's DynamoDB requests less its two record reads per token (admitting it, then refusing it once
  dropped). Beside the authorizer's cached case (which checks the feed) the cached decision is timed with a plain
  decision cache (before the feed), and aws-jwt-verify's \`JwtVerifier\` on an RS256 token with its JWKS cached, which is what
  most Lambda authorizers do and checks no revocation at all.
- **Counts are tests, not figures here**: bundle bytes per function (\`test/unit/bundle-size.test.ts\`), AWS calls per
  authorizer decision (\`test/integration/authorizer-calls.test.ts\`) and DynamoDB round trips per issued token
  (\`test/integration/exchange-round-trips.test.ts\`) need no timing run: \`npm test\` holds them to their budgets.
- Everything runs on one machine: the emulators, the peers and the load generator share its cores with the code
  measured. The figures compare alternatives within one run; they are not AWS latencies.`;
}

export function markdown(results: Results, list: Figure[], chartFile: string): string {
  const m = results.machine;
  // The load at the end counts the run's own processes (the local stack, the containers): only
  // the load at the start tells of other work.
  const busy = m.loadAtStart > m.cores;
  const failures = list.filter((x) => x.pass === false);
  return `# Benchmarks

Written by \`npm run bench\` (\`bench/run.ts\`) on ${m.date.slice(0, 10)}; do not edit by hand.
\`npm run bench:check\` runs the same measurements and fails when a budget is missed;
\`npm run bench:check -- --quick\` is the short form for CI (fewer iterations, no local stack).

**Machine**: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node.js ${m.node}; 1-minute load average ${m.loadAtStart.toFixed(2)} at start${busy ? ` (above ${m.cores}: other work competed with the run for the cores, and the timings carry it)` : ''}, ${m.loadAtEnd?.toFixed(2) ?? 'n/a'} at end (the run's own work included).
**Run**: ${results.profile.name} profile, ${results.durationSeconds.toFixed(0)} s.
**Budgets**: ${list.filter((x) => x.pass === true).length} met, ${failures.length} missed${failures.length ? `: ${failures.map((x) => `${x.section} · ${x.name}`).join('; ')}` : ''}.

## Results

${resultsTable(list)}

## Authorizer against the baseline

${ratiosTable(results)}

![Latency distribution of authorizer decisions](${chartFile})

## Revocation: cost model

${costModelMarkdown(results.revocation.windowMs / 1000, results.authorizer.cacheTtlSeconds)}

## Method

${methodText(results)}
`;
}

/** The results table as plain text, for the console. */
export function consoleTable(list: Figure[]): string {
  return list
    .map(
      (x) =>
        `${verdict(x).replace(/\*/g, '').padEnd(8)} ${x.section} · ${x.name}: ${x.measured}${x.budget ? `  [budget ${x.budget}]` : ''}`,
    )
    .join('\n');
}
