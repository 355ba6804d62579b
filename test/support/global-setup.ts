import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../shared/config.ts';
import { provisionStack, startEmulators, type Endpoints } from '../../infra/local/stack.ts';
import { assertSystemPackages } from './system-packages.ts';
import { TEST_ENV } from './test-config.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: Endpoints;
    playAuthToken: string;
  }
}

/** One in-memory dynalite and one Secrets Manager emulator for the whole run, provisioned like a stage. */
export default async function setup(project: TestProject) {
  assertSystemPackages();
  Object.assign(process.env, TEST_ENV);
  const emulators = await startEmulators();
  const playAuthToken = 'test-shared-token-0123456789abcdef0123456789';
  await provisionStack(loadConfig(TEST_ENV), emulators.endpoints, { playAuthToken });
  project.provide('endpoints', emulators.endpoints);
  project.provide('playAuthToken', playAuthToken);
  return () => emulators.stop();
}
