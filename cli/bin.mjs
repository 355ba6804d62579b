#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on load, so the repository needs no build step.
import { register } from 'tsx/esm/api';

// The SDK's notice that its 2027 releases need Node 22 concerns upgrades, not this command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { run } = await import('./main.ts');
process.exitCode = await run({
  argv: process.argv.slice(2),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
