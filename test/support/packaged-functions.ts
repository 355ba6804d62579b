import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';
import type { Package } from './packaged-stack.ts';

const LOADER = fileURLToPath(new URL('./lambda-loader.cjs', import.meta.url));
const RECORDER = fileURLToPath(new URL('./aws-call-recorder.cjs', import.meta.url));
export const ACCOUNT_ID = '123456789012';

/** One `AWS::Lambda::Function` of a packaged template, as Lambda would be handed it. */
export interface PackagedFunction {
  logicalId: string;
  name: string;
  handler: string;
  runtime: string;
  /** The artifact: the zip the template's `Code.S3Key` names, in the package folder. */
  zip: string;
  /** The template's variables, references still unresolved. */
  variables: Record<string, unknown>;
  memorySize: number;
  timeoutSeconds: number;
  layers: unknown[];
}

export function packagedFunctions(pkg: Package): PackagedFunction[] {
  return Object.entries(pkg.template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .map(([logicalId, { Properties = {} }]) => ({
      logicalId,
      name: Properties.FunctionName as string,
      handler: Properties.Handler as string,
      runtime: Properties.Runtime as string,
      zip: join(pkg.dir, basename((Properties.Code as { S3Key: string }).S3Key)),
      variables: (Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {},
      memorySize: Properties.MemorySize as number,
      timeoutSeconds: Properties.Timeout as number,
      layers: (Properties.Layers as unknown[] | undefined) ?? [],
    }));
}

/**
 * Resolves what the template computes (`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`) with `lookup`
 * for the stack's own resources and the pseudo parameters of an account in `region`.
 */
export function resolver(region: string, lookup: (logicalId: string, attribute?: string) => string) {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': region,
    'AWS::AccountId': ACCOUNT_ID,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'local',
  };
  const reference = (name: string): string => {
    const [logicalId = '', attribute] = name.split(/\.(.*)/);
    return pseudo[name] ?? lookup(logicalId, attribute);
  };
  const resolve = (value: unknown): string => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    const call = value as Record<string, unknown>;
    if (typeof call.Ref === 'string') return reference(call.Ref);
    const getAtt = call['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt) return lookup(getAtt[0], getAtt[1]);
    const join = call['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(resolve).join(join[0]);
    if (typeof call['Fn::Sub'] === 'string')
      return call['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (_, name: string) => reference(name));
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  };
  return resolve;
}

/** Writes the artifact's files into `taskRoot`, as Lambda unpacks it into /var/task. */
export function unpack(zip: string, taskRoot: string): string[] {
  const entries = unzipSync(readFileSync(zip));
  const files = Object.keys(entries).filter((path) => !path.endsWith('/'));
  for (const path of files) {
    const target = join(taskRoot, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, entries[path] as Uint8Array);
  }
  return files.sort();
}

/** One AWS request: its `X-Amz-Target` (`DynamoDB_20120810.GetItem`) and JSON body. */
export interface RecordedCall {
  target: string;
  body: Record<string, unknown>;
}

export interface Invocation {
  result?: unknown;
  error?: { errorType: string; errorMessage: string };
}

/**
 * One function's container: the plain loader, run by this process's Node (the Lambda runtime's
 * major, checked by the caller), with only `environment` (nothing inherited: no NODE_PATH, no
 * test settings) and `taskRoot` as its working directory.
 */
export class FunctionContainer {
  #output = '';
  #pending = new Map<number, (invocation: Invocation) => void>();
  #next = 0;

  private constructor(
    readonly fn: PackagedFunction,
    readonly node: string,
    private readonly child: ChildProcess,
    private readonly callLog: string,
  ) {
    child.stdout?.on('data', (chunk) => (this.#output += String(chunk)));
    child.stderr?.on('data', (chunk) => (this.#output += String(chunk)));
  }

  static async start(
    fn: PackagedFunction,
    taskRoot: string,
    runtimeDir: string,
    environment: Record<string, string>,
  ): Promise<FunctionContainer> {
    const loader = join(runtimeDir, 'lambda-loader.cjs');
    const recorder = join(runtimeDir, 'aws-call-recorder.cjs');
    // Once per runtime folder: a container starting meanwhile must never read a half-written copy.
    if (!existsSync(loader)) copyFileSync(LOADER, loader);
    if (!existsSync(recorder)) copyFileSync(RECORDER, recorder);
    const calls = join(runtimeDir, `${fn.name}.calls.jsonl`);
    writeFileSync(calls, '');
    const child = spawn(process.execPath, ['--require', recorder, loader, taskRoot, fn.handler], {
      cwd: taskRoot,
      env: { ...environment, FUNCTION_TIMEOUT_MS: String(fn.timeoutSeconds * 1000), AWS_CALL_RECORD: calls },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const answers = createInterface({ input: child.stdio[3] as Readable });
    const ready = await new Promise<{ node?: string; initError?: Invocation['error'] }>((resolve, reject) => {
      answers.once('line', (line) => resolve(JSON.parse(line) as { node?: string }));
      child.once('exit', (code) => reject(new Error(`${fn.name} exited (${String(code)}) before it was ready`)));
    });
    const container = new FunctionContainer(fn, ready.node ?? '', child, calls);
    if (ready.initError) throw new Error(`${fn.name} failed to initialise: ${ready.initError.errorMessage}`);
    answers.on('line', (line) => {
      const { id, ...invocation } = JSON.parse(line) as Invocation & { id: number };
      container.#pending.get(id)?.(invocation);
      container.#pending.delete(id);
    });
    return container;
  }

  /** Invokes the handler with `event`, within the function's timeout. */
  invoke(event: unknown): Promise<Invocation> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.fn.name} timed out`)), this.fn.timeoutSeconds * 1000);
      this.#pending.set(id, (invocation) => {
        clearTimeout(timer);
        resolve(invocation);
      });
      this.child.stdin?.write(`${JSON.stringify({ id, event })}\n`);
    });
  }

  /** Every AWS request the function sent so far, as `aws-call-recorder.cjs` recorded it. */
  calls(): RecordedCall[] {
    return readFileSync(this.callLog, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as RecordedCall);
  }

  /** What the function logged (stdout and stderr), as CloudWatch would have it. */
  output(): string {
    return this.#output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill();
    await exited;
  }
}

/** The Kerberos layer's name in a layer ARN (infra/kerberos-layer/build.sh publishes it). */
const KERBEROS_LAYER = /:layer:xuc-auth-kerberos:\d+$/;

/**
 * Writes what the function's layers hold into `opt`, as Lambda extracts them into /opt. The
 * Kerberos layer (infra/kerberos-layer/build.sh: the `kerberos` package at the version
 * package.json pins, under nodejs/node_modules) is made from the binding this checkout built for
 * the runtime's Node: the same package and version, compiled against this machine's MIT krb5
 * (the layer's lib/ copies of it are the system's libraries here). Any other layer is unknown.
 */
export function installLayers(fn: PackagedFunction, opt: string): void {
  for (const layer of fn.layers) {
    if (typeof layer !== 'string' || !KERBEROS_LAYER.test(layer))
      throw new Error(`no local layer for ${String(layer)}`);
    const source = dirname(createRequire(import.meta.url).resolve('kerberos/package.json'));
    const pinned = (JSON.parse(readFileSync('package.json', 'utf8')) as { optionalDependencies: { kerberos: string } })
      .optionalDependencies.kerberos;
    const version = (JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string }).version;
    if (version !== pinned) throw new Error(`the kerberos binding here is ${version}, the layer's is ${pinned}`);
    const target = join(opt, 'nodejs', 'node_modules', 'kerberos');
    for (const path of ['package.json', 'lib', 'build/Release/kerberos.node']) {
      cpSync(join(source, path), join(target, path), { recursive: true });
    }
  }
}
