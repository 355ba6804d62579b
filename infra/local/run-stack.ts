import { spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return address.port;
}

export interface RunningStack {
  output: () => string;
  stop: () => Promise<void>;
}

/** Build output and state of serverless-offline and serverless-esbuild, which a private service dir must not share. */
const PER_STACK = new Set(['.esbuild', '.serverless', '.local', '.git']);

/**
 * A service dir of its own (remove it when done): links to the checkout's files, a copy of serverless.yml (osls
 * refuses a linked one). serverless-esbuild builds into `<service dir>/.esbuild` and deletes it on
 * exit, so a stack started or packaged in the checkout itself would break any other stack running
 * there (`npm start`, the end-to-end test, the demo, the bench, a packaging test) and be broken by them.
 */
export async function privateServiceDir(root: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'xuc-auth-service-'));
  for (const name of await readdir(root)) {
    if (PER_STACK.has(name)) continue;
    await (name === 'serverless.yml'
      ? copyFile(join(root, name), join(dir, name))
      : symlink(join(root, name), join(dir, name)));
  }
  return dir;
}

/**
 * Starts the real local stack with `npm start`, in a private service dir made from the checkout
 * at `root`, and resolves once it announces itself; its output is kept for assertions. The
 * process group is stopped with SIGINT, as Ctrl-C would, and the service dir removed.
 */
export async function startLocalStack(
  env: Record<string, string>,
  { root = process.cwd(), timeoutMs = 90_000 } = {},
): Promise<RunningStack> {
  const serviceDir = await privateServiceDir(root);
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd: serviceDir,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += String(chunk)));
  child.stderr?.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      process.kill(-child.pid, 'SIGINT');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(serviceDir, { recursive: true, force: true });
  };

  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local stack did not start in time:\n${output}`)), timeoutMs);
    const poll = setInterval(() => {
      if (output.includes('xuc-auth local stack is ready')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    void exited.then(() => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`local stack exited:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { output: () => output, stop };
}

/**
 * The environment of a local stack of its own: free ports for the API, the Lambda API and both
 * emulators, and a private data folder, so that it never meets another running stack.
 */
export async function privateStackEnv(
  dataDir: string,
  playAuthToken: string,
): Promise<Record<string, string> & { PORT: string; LAMBDA_PORT: string }> {
  const [port, lambdaPort, dynamodbPort, secretsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  return {
    PORT: String(port),
    LAMBDA_PORT: String(lambdaPort),
    DYNAMODB_PORT: String(dynamodbPort),
    SECRETS_MANAGER_PORT: String(secretsPort),
    LOCAL_DATA_DIR: dataDir,
    PLAY_AUTH_TOKEN: playAuthToken,
  };
}
