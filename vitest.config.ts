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

// Each project starts its own emulators (global setup) and points its workers at them.
const common = {
  globalSetup: ['test/support/global-setup.ts'],
  setupFiles: ['test/support/test-env.ts'],
  testTimeout: 20_000,
  hookTimeout: 60_000,
  // Tests share the emulators; each uses its own logins, so files may run side by side.
  fileParallelism: true,
};

export default defineConfig({
  test: {
    projects: [
      { test: { ...common, name: 'dynalite', include: ['test/**/*.test.ts'] } },
      { test: { ...common, name: 'dynamodb-local', include: STORE_TESTS } },
    ],
  },
});
