import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectConfiguration } from 'vitest/config';
import suite from '../../vitest.config.ts';

/**
 * The suite's configuration, narrowed to the test files in MUTATION_TESTS (comma-separated,
 * set by infra/mutation/mutation-test.ts for the module under test). Unit tests run in the
 * "unit" project, the others in "dynalite" with its emulators; Amazon's DynamoDB Local would
 * test the same code a second time, and the end-to-end stacks run their functions in processes
 * of their own, out of a mutant's reach.
 *
 * The files are chosen here rather than with Stryker's `testFiles`: with that option
 * (@stryker-mutator/core 10.1.1) a mutant of code that runs when a module loads is switched on
 * only after the module has loaded, and survives whatever the tests do (stryker-js#6144).
 */
const tests = (process.env.MUTATION_TESTS ?? '').split(',').filter(Boolean);
const projectOf = (file: string) => (file.startsWith('test/unit/') ? 'unit' : 'dynalite');

const projects = (suite.test?.projects ?? []).flatMap((project: TestProjectConfiguration) => {
  if (typeof project !== 'object' || !('test' in project)) return [];
  const include = tests.filter((file) => projectOf(file) === project.test?.name);
  return include.length > 0 ? [{ ...project, test: { ...project.test, include } }] : [];
});

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { projects },
});
