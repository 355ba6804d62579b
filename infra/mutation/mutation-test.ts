/**
 * Mutation testing of the security-critical modules (npm run test:mutation [module…]).
 *
 * Runs StrykerJS once per module, against the tests that back that module's guarantees only
 * (infra/mutation/modules.ts), reads the module's score from Stryker's JSON report, writes the
 * table of MUTATION.md and fails when a module scores below THRESHOLD.
 *
 *   npm run test:mutation                          every module
 *   npm run test:mutation -- request passwords     those modules
 *   npm run test:mutation -- --changed-since REF   the modules whose code or tests changed since REF (CI)
 *   npm run test:mutation -- --incremental …       reuse the last results of unchanged mutants
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { LogLevel } from '@stryker-mutator/api/core';
import { Stryker } from '@stryker-mutator/core';
import { MUTATION_MODULES, type MutationModule } from './modules.ts';
import { moduleScore, renderTable, updateReport, type ModuleScore, type MutationReport } from './mutation-report.ts';

/** Percent of mutants each module must kill (equivalent mutants, disabled in the code with a reason, aside). */
export const THRESHOLD = 85;
const REPORT_FILE = 'MUTATION.md';
const REPORTS_DIR = 'reports/mutation';

function selectModules(args: string[]): MutationModule[] {
  const sinceIndex = args.indexOf('--changed-since');
  if (sinceIndex >= 0) {
    const ref = args[sinceIndex + 1];
    if (!ref) throw new Error('--changed-since needs a git revision');
    const changed = new Set(
      execFileSync('git', ['diff', '--name-only', ref, '--'], { encoding: 'utf8' }).split('\n').filter(Boolean),
    );
    // A change to a module or to a test that backs it can lower its score.
    return MUTATION_MODULES.filter((module) => [module.file, ...module.tests].some((file) => changed.has(file)));
  }
  if (args.length === 0) return [...MUTATION_MODULES];
  const unknown = args.filter((name) => !MUTATION_MODULES.some((module) => module.name === name));
  if (unknown.length > 0) {
    const known = MUTATION_MODULES.map((module) => module.name).join(', ');
    throw new Error(`Unknown module(s) ${unknown.join(', ')}; known: ${known}`);
  }
  return MUTATION_MODULES.filter((module) => args.includes(module.name));
}

async function mutate(module: MutationModule, incremental: boolean): Promise<MutationReport> {
  const reportFile = `${REPORTS_DIR}/${module.name}.json`;
  // Read by infra/mutation/vitest.config.ts in Stryker's test runner processes.
  process.env.MUTATION_TESTS = module.tests.join(',');
  await new Stryker({
    testRunner: 'vitest',
    vitest: { configFile: 'infra/mutation/vitest.config.ts', related: false },
    mutate: [module.file],
    // Only the tests that cover a mutant run against it.
    coverageAnalysis: 'perTest',
    // Two cores, shared: one test runner.
    concurrency: 1,
    // Off unless asked for: a mutant of code that runs when its module loads covers no test in
    // particular, so Stryker keeps its last result however the tests changed.
    incremental,
    incrementalFile: `${REPORTS_DIR}/${module.name}.incremental.json`,
    // A busy machine slows every test down: a mutant times out only well past its normal time.
    timeoutMS: 15_000,
    timeoutFactor: 2,
    dryRunTimeoutMinutes: 10,
    reporters: ['json', 'clear-text', process.stdout.isTTY ? 'progress' : 'progress-append-only'],
    jsonReporter: { fileName: reportFile },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    thresholds: { high: 95, low: THRESHOLD, break: null },
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
    // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- a const enum of these strings, which verbatimModuleSyntax cannot import
    logLevel: 'warn' as LogLevel,
  }).runMutationTest();
  return JSON.parse(readFileSync(reportFile, 'utf8')) as MutationReport;
}

async function main() {
  const args = process.argv.slice(2);
  const incremental = args.includes('--incremental');
  const modules = selectModules(args.filter((arg) => arg !== '--incremental'));
  if (modules.length === 0) {
    console.log('Mutation testing skipped: no security-critical module changed.');
    return;
  }
  const started = Date.now();
  const load = loadavg()[0] ?? 0;
  const scores: ModuleScore[] = [];
  for (const module of modules) {
    console.log(`::: mutation testing ${module.name} (${module.file}) against ${module.tests.join(', ')}`);
    const moduleStarted = Date.now();
    const report = await mutate(module, incremental);
    scores.push({ ...moduleScore(module, report), seconds: Math.round((Date.now() - moduleStarted) / 1000) });
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const run = {
    full: modules.length === MUTATION_MODULES.length,
    seconds,
    date: new Date().toISOString().slice(0, 10),
    machine: `${cpus().length} cores, 1-minute load average ${load.toFixed(2)} at start`,
  };
  const previous = readFileSync(REPORT_FILE, 'utf8');
  writeFileSync(REPORT_FILE, updateReport(previous, scores, run, MUTATION_MODULES));
  console.log(renderTable(scores));
  const below = scores.filter((score) => score.score < THRESHOLD);
  console.log(
    `${scores.length} module(s) in ${seconds} s; ${below.length} below ${THRESHOLD} %` +
      (below.length > 0 ? `: ${below.map((score) => score.name).join(', ')}` : ''),
  );
  if (below.length > 0) process.exitCode = 1;
}

await main();
