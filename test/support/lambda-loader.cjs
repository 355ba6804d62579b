// Runs one Lambda handler the way the Node.js managed runtime does, for a test that holds only the
// unzipped artifact: `node lambda-loader.cjs <task root> <handler>` (the template's `Handler`, e.g.
// `functions/login/handler.handler`). It is copied next to the artifacts, outside the repository,
// so that nothing but the artifact, its layers (NODE_PATH) and Node's built-ins can be required.
//
// The init phase loads the module (.js, then .mjs, then .cjs, as the runtime looks them up) and
// reports `{ready, node}`; then each line on stdin, `{id, event}`, is one invocation, answered on
// file descriptor 3 as `{id, result}` or `{id, error: {errorType, errorMessage}}` (stdout and
// stderr stay the function's logs, as in CloudWatch).
'use strict';
const { existsSync, writeSync } = require('node:fs');
const { join } = require('node:path');
const { createInterface } = require('node:readline');
const { randomUUID } = require('node:crypto');
const { pathToFileURL } = require('node:url');
const { registerHooks } = require('node:module');

// Lambda's Node.js runtimes (18 and later) resolve ES module imports through NODE_PATH too, so
// that a layer's packages (/opt/nodejs/node_modules) reach `import()` as they reach `require()`;
// plain Node's ESM resolver ignores NODE_PATH. A bare specifier found nowhere else is looked up
// there, as on Lambda.
registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (error?.code !== 'ERR_MODULE_NOT_FOUND' || /^(\.|\/|[a-z][a-z\d+.-]*:)/i.test(specifier)) throw error;
      let file;
      try {
        file = require.resolve(specifier);
      } catch {
        throw error;
      }
      return { url: pathToFileURL(file).href, shortCircuit: true };
    }
  },
});

const [taskRoot, handlerName] = process.argv.slice(2);
const answer = (message) => writeSync(3, `${JSON.stringify(message)}\n`);
const failure = (error) => ({
  errorType: error instanceof Error ? error.name : typeof error,
  errorMessage: error instanceof Error ? error.message : String(error),
});

async function load() {
  const dot = handlerName.lastIndexOf('.');
  const base = join(taskRoot, handlerName.slice(0, dot));
  const exported = handlerName.slice(dot + 1);
  for (const extension of ['.js', '.mjs', '.cjs']) {
    const file = base + extension;
    if (!existsSync(file)) continue;
    const module = extension === '.mjs' ? await import(pathToFileURL(file).href) : require(file);
    const handler = module[exported];
    if (typeof handler !== 'function') throw new Error(`${handlerName} is not a function`);
    return handler;
  }
  throw new Error(`Cannot find module '${base}' (.js, .mjs, .cjs)`);
}

function context(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME;
  return {
    functionName: name,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:123456789012:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

load().then(
  (handler) => {
    answer({ ready: true, node: process.version });
    const timeoutMs = Number(process.env.FUNCTION_TIMEOUT_MS || '10000');
    createInterface({ input: process.stdin }).on('line', (line) => {
      const { id, event } = JSON.parse(line);
      Promise.resolve()
        .then(() => handler(event, context(timeoutMs)))
        .then(
          (result) => answer({ id, result: result === undefined ? null : result }),
          (error) => answer({ id, error: failure(error) }),
        );
    });
  },
  (error) => {
    answer({ initError: failure(error) });
    process.exit(1);
  },
);
