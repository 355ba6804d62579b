import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../shared/config.ts';
import { localClients, provisionStack, startEmulators, type Endpoints } from '../../infra/local/stack.ts';
import { kerberosBindingLoads, missingRequirements } from '../../infra/setup/system-requirements.ts';
import { startDynamoDbLocal } from './dynamodb-local.ts';
import { scanLogs } from './log-capture.ts';
import { TEST_ENV } from './test-config.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: Endpoints;
    playAuthToken: string;
    logDir: string;
  }
}

/** One in-memory dynalite and one Secrets Manager emulator for the whole run, provisioned like a stage. */
export default async function setup(project: TestProject) {
  assertSystemReady();
  Object.assign(process.env, TEST_ENV);
  const emulators = await startEmulators();
  // The "dynamodb-local" project runs the store tests against Amazon's DynamoDB Local instead.
  const official = project.name === 'dynamodb-local' ? await startDynamoDbLocal() : undefined;
  if (official) emulators.endpoints.dynamodb = official.endpoint;
  const playAuthToken = 'test-shared-token-0123456789abcdef0123456789';
  const config = loadConfig(TEST_ENV);
  await provisionStack(config, emulators.endpoints, { playAuthToken });
  const logDir = mkdtempSync(join(tmpdir(), 'xuc-auth-test-logs-'));
  project.provide('endpoints', emulators.endpoints);
  project.provide('playAuthToken', playAuthToken);
  project.provide('logDir', logDir);

  return async () => {
    const { secrets } = localClients(emulators.endpoints);
    const signingKey =
      (await secrets.send(new GetSecretValueCommand({ SecretId: config.signingKeySecretId }))).SecretString ?? '';
    await emulators.stop();
    await official?.stop();
    const scan = scanLogs(logDir, [playAuthToken, signingKey]);
    rmSync(logDir, { recursive: true, force: true });
    console.log(
      `Scanned ${scan.lines} log lines of the whole run (${scan.auditEvents} audit events) for credentials and ${scan.secrets} secret values: ${scan.leaks.length} found`,
    );
    if (scan.leaks.length > 0) {
      // vitest reports an error thrown here but still exits 0: the run must fail all the same.
      console.error(`Credentials leaked into the logs:\n${scan.leaks.slice(0, 20).join('\n')}`);
      process.exitCode = 1;
    }
    // The end-to-end project's functions run in stacks of their own, whose output its tests scan.
    if (process.env.CI && scan.auditEvents === 0 && project.name !== 'e2e') {
      // A whole run always logs audit events: none means the capture saw nothing to scan.
      console.error('The log capture saw no audit event: the scan for credentials proved nothing.');
      process.exitCode = 1;
    }
  };
}

/**
 * `npm test` installs what the peers need before vitest starts; vitest started another way
 * refuses to run without it rather than skip or fail those tests one by one.
 */
function assertSystemReady(): void {
  const missing = missingRequirements().map((requirement) => requirement.what);
  if (!kerberosBindingLoads()) missing.push(`the kerberos binding for Node ${process.version}`);
  if (missing.length > 0) {
    throw new Error(
      `The tests need what is missing here: ${missing.join(', ')}.\nRun them with \`npm test\`, or first: npm run setup:system`,
    );
  }
}
