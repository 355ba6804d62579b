#!/usr/bin/env node
// The CLI is TypeScript; tsx compiles it on load, so the repository needs no build step.
import { register } from 'tsx/esm/api';
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
