#!/usr/bin/env node
// Node's async scrypt runs on libuv's threadpool (4 threads unless told), which reads this
// variable when it first starts: before anything is imported. `users import` hashes a password
// per core at once; libuv's usual four threads stay free besides, for DNS and file work.
import { availableParallelism } from 'node:os';
process.env.UV_THREADPOOL_SIZE ??= String(availableParallelism() + 4);
// The CLI is TypeScript; tsx compiles it on load, so the repository needs no build step.
const { register } = await import('tsx/esm/api');
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
