import { defineConfig } from 'vitest/config';

/** The store tests, which also run against Amazon's DynamoDB Local. */
const STORE_TESTS = [
  'test/integration/user-store.test.ts',
  'test/integration/token-service.test.ts',
  'test/integration/token-endpoints.test.ts',
  'test/integration/login-throttle.test.ts',
  'test/integration/concurrency.test.ts',
  'test/integration/login.test.ts',
  'test/integration/aws-json-rpc.test.ts',
];

// Generous: scrypt at the production cost takes seconds on a loaded two-core machine.
const timeouts = { testTimeout: 20_000, hookTimeout: 60_000 };

// Each project with stores starts its own emulators (global setup) and points its workers at them.
const withStores = {
  ...timeouts,
  globalSetup: ['test/support/global-setup.ts'],
  setupFiles: ['test/support/test-env.ts'],
  // Tests share the emulators; each uses its own logins, so files may run side by side.
  fileParallelism: true,
};

export default defineConfig({
  test: {
    projects: [
      // Pure logic: no emulator, no peer, no Debian package (npm run test:unit).
      { test: { ...timeouts, name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { test: { ...withStores, name: 'dynalite', include: ['test/{integration,fuzz}/**/*.test.ts'] } },
      { test: { ...withStores, name: 'dynamodb-local', include: STORE_TESTS } },
      // The real stack, the demo and their peers, last and one file at a time: on two cores they
      // would otherwise compete with the fuzzers for time their functions' timeouts do not give.
      {
        test: {
          ...withStores,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
