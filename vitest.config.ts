import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/test-env.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Tests share two emulators; each uses its own logins, so files may run side by side.
    fileParallelism: true,
  },
});
