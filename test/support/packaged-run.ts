import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateTableCommand, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { LOCAL_REGION, localAwsEnvironment, localClients, type Endpoints } from '../../infra/local/stack.ts';
import { PackagedGateway } from './packaged-gateway.ts';
import {
  ACCOUNT_ID,
  FunctionContainer,
  installLayers,
  packagedFunctions,
  resolver,
  unpack,
  type PackagedFunction,
} from './packaged-functions.ts';
import { packagedStack, type Package, type PackagedStage } from './packaged-stack.ts';

/** One packaged stage running on the emulators: its functions' containers behind its HTTP API. */
export interface StageRun {
  pkg: Package;
  /** Every function of the template, started or not. */
  functions: PackagedFunction[];
  /** The containers of the functions started, by function name. */
  containers: Map<string, FunctionContainer>;
  taskRoots: Map<string, string>;
  gateway: PackagedGateway;
  resolve: (value: unknown) => string;
  /** The stack's secrets created on the emulator: name to ARN. */
  secretArns: Map<string, string>;
  /** The values generated for them, which no log may hold. */
  secretValues: string[];
  /** A function's variables as the template sets them, references resolved. */
  variables(fn: PackagedFunction): Record<string, string>;
}

export interface StageOptions {
  endpoints: Endpoints;
  /** A folder outside the repository, of this stage alone. */
  work: string;
  /** The functions to start (all by default). */
  start?: (fn: PackagedFunction) => boolean;
  /** What the test sets in a function's environment besides the template's variables. */
  environment?: (fn: PackagedFunction) => Record<string, string>;
}

/**
 * What `osls package` made for `stage`, run as Lambda would run it: the template's tables and
 * secrets created on the run's emulators (a generated value for each secret, as Secrets Manager
 * does), each started function's zip unpacked alone into a folder outside the repository, its
 * layers into an /opt of its own, its environment taken from the template with references
 * resolved to the emulators, and its handler loaded by a plain loader in a process of its own.
 */
export async function startPackagedStage(stage: PackagedStage, options: StageOptions): Promise<StageRun> {
  const pkg = await packagedStack(stage);
  const { db, secrets } = localClients(options.endpoints);
  const resources = pkg.template.Resources;
  const arns = new Map<string, string>();
  const secretArns = new Map<string, string>();
  const secretValues: string[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === 'AWS::DynamoDB::Table') {
      const { TableName, AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, BillingMode } =
        properties as unknown as CreateTableCommandInput;
      await db.send(
        new CreateTableCommand({ TableName, AttributeDefinitions, KeySchema, GlobalSecondaryIndexes, BillingMode }),
      );
    }
    if (resource.Type === 'AWS::SecretsManager::Secret') {
      const length = (properties.GenerateSecretString as { PasswordLength: number }).PasswordLength;
      const value = randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length);
      secretValues.push(value);
      const created = await secrets.send(
        new CreateSecretCommand({ Name: properties.Name as string, SecretString: value }),
      );
      arns.set(logicalId, created.ARN as string);
      secretArns.set(properties.Name as string, created.ARN as string);
    }
  }
  db.destroy();
  secrets.destroy();
  const resolve = resolver(LOCAL_REGION, (logicalId, attribute) => {
    const resource = resources[logicalId];
    const properties = resource?.Properties ?? {};
    const arn = (service: string, name: string) => `arn:aws:${service}:${LOCAL_REGION}:${ACCOUNT_ID}:${name}`;
    switch (`${String(resource?.Type)} ${attribute ?? 'Ref'}`) {
      case 'AWS::DynamoDB::Table Ref':
        return properties.TableName as string;
      case 'AWS::DynamoDB::Table Arn':
        return arn('dynamodb', `table/${String(properties.TableName)}`);
      case 'AWS::SecretsManager::Secret Ref':
        return arns.get(logicalId) as string;
      case 'AWS::Lambda::Function Ref':
        return properties.FunctionName as string;
      case 'AWS::Lambda::Function Arn':
        return arn('lambda', `function:${String(properties.FunctionName)}`);
      default:
        if (attribute === undefined && resource) return logicalId;
        throw new Error(`no local value for ${logicalId}.${attribute ?? 'Ref'}`);
    }
  });
  const variables = (fn: PackagedFunction) =>
    Object.fromEntries(Object.entries(fn.variables).map(([name, value]) => [name, resolve(value)]));

  const functions = packagedFunctions(pkg);
  const started = functions.filter(options.start ?? (() => true));
  const taskRoots = new Map(started.map((fn) => [fn.name, join(options.work, 'task', fn.name)]));
  const runtimeDir = join(options.work, 'runtime');
  mkdirSync(runtimeDir, { recursive: true });
  const containers = new Map<string, FunctionContainer>();
  await Promise.all(
    started.map(async (fn) => {
      const taskRoot = taskRoots.get(fn.name) as string;
      const opt = join(options.work, 'opt', fn.name);
      mkdirSync(taskRoot, { recursive: true });
      unpack(fn.zip, taskRoot);
      installLayers(fn, opt);
      // What Lambda sets besides the function's own variables, and the emulators' endpoints.
      const environment = {
        ...variables(fn),
        ...options.environment?.(fn),
        ...localAwsEnvironment(options.endpoints),
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
        AWS_LAMBDA_LOG_STREAM_NAME: `2026/12/01/[$LATEST]${randomUUID().replaceAll('-', '')}`,
        AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        _HANDLER: fn.handler,
        LAMBDA_TASK_ROOT: taskRoot,
        LAMBDA_RUNTIME_DIR: runtimeDir,
        // Lambda's: /opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task
        NODE_PATH: [
          join(opt, 'nodejs', 'node24', 'node_modules'),
          join(opt, 'nodejs', 'node_modules'),
          join(runtimeDir, 'node_modules'),
          runtimeDir,
          taskRoot,
        ].join(':'),
        TZ: ':UTC',
        LANG: 'en_US.UTF-8',
        PATH: '/usr/local/bin:/usr/bin:/bin',
      };
      containers.set(fn.name, await FunctionContainer.start(fn, taskRoot, runtimeDir, environment));
    }),
  );
  const gateway = new PackagedGateway(pkg, LOCAL_REGION, resolve, containers);
  return { pkg, functions, containers, taskRoots, gateway, resolve, secretArns, secretValues, variables };
}

/** Stops every container of the runs. */
export async function stopStages(runs: (StageRun | undefined)[]): Promise<void> {
  await Promise.all(runs.flatMap((run) => [...(run?.containers.values() ?? [])]).map((container) => container.stop()));
}
