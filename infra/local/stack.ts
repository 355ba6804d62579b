import { chmodSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { NodeHttpHandler } from '@smithy/node-http-handler';
import dynalite from 'dynalite';
import { createDocumentClient, createSecretsClient } from '../../shared/clients/aws.ts';
import { AwsJsonRpcClient, DYNAMODB, SECRETS_MANAGER } from '../../shared/clients/aws-json-rpc.ts';
import { newSecretValue, rotateSecret } from '../../shared/secrets/rotation.ts';
import type { Config } from '../../shared/config.ts';
import { passwordPolicy } from '../../shared/users/passwords.ts';
import { ensureUser } from '../../shared/users/user-admin.ts';
import { DynamoUserStore } from '../../shared/users/user-store.ts';
import { SecretsManagerEmulator, serveSecretsManager } from './secrets-manager-emulator.ts';
import { closeServer, listen, serveLocalCallersOnly } from './servers.ts';
import { serveSignedRequestsOnly, type SigningCredentials } from './sigv4-verifier.ts';
import { createTables } from './tables.ts';

export interface Endpoints {
  dynamodb: string;
  secretsManager: string;
}

export const LOCAL_REGION = 'us-east-1';
/** What every local caller signs with: temporary credentials, session token included, as Lambda's are. */
export const LOCAL_CREDENTIALS = {
  accessKeyId: 'LOCALACCESSKEY',
  secretAccessKey: 'local-secret-access-key',
  sessionToken: 'local-session-token',
} as const satisfies SigningCredentials;

/** The variables that point the AWS SDK of a function, a test or the CLI at the emulators. */
export function localAwsEnvironment(endpoints: Endpoints): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.secretsManager,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: LOCAL_CREDENTIALS.sessionToken,
    AWS_REGION: LOCAL_REGION,
  };
}

export function localClients(endpoints: Endpoints, requestHandler?: NodeHttpHandler) {
  const options = {
    timeoutMs: 5000,
    endpoints,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    ...(requestHandler ? { requestHandler } : {}),
  };
  return { db: createDocumentClient(options), secrets: createSecretsClient(options) };
}

/** The authorizer's JSON RPC clients, pointed at the emulators. */
export function localRpcClients(endpoints: Endpoints, requestHandler?: NodeHttpHandler) {
  const options = {
    timeoutMs: 5000,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    ...(requestHandler ? { requestHandler } : {}),
  };
  return {
    dynamodb: new AwsJsonRpcClient(DYNAMODB, { ...options, endpoint: endpoints.dynamodb }),
    secretsManager: new AwsJsonRpcClient(SECRETS_MANAGER, { ...options, endpoint: endpoints.secretsManager }),
  };
}

export interface EmulatorOptions {
  /** Folder that keeps the data across restarts; in memory when absent. */
  dataDir?: string;
  dynamodbPort?: number;
  secretsManagerPort?: number;
  host?: string;
}

export interface Emulators {
  endpoints: Endpoints;
  stop(): Promise<void>;
}

/** The region and credentials every local endpoint expects its requests signed with. */
export const LOCAL_SIGNING = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };

/**
 * dynalite (on disk under `path`, in memory without), serving local callers whose requests are
 * signed as AWS would check them: dynalite itself checks no signature.
 */
export function serveDynalite(path?: string): Server {
  return serveLocalCallersOnly(
    serveSignedRequestsOnly(
      dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(path ? { path } : {}) }),
      { ...LOCAL_SIGNING, name: 'dynamodb' },
      'application/x-amz-json-1.0',
    ),
    { type: 'com.amazon.coral.service#AccessDeniedException', contentType: 'application/x-amz-json-1.0' },
  );
}

/** Starts dynalite and the Secrets Manager emulator in this process. */
export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const host = options.host ?? '127.0.0.1';
  if (options.dataDir) {
    // The tables and the secrets, the signing key among them: this user's alone, whatever the umask.
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(options.dataDir, 0o700);
  }
  const dynamo = serveDynalite(options.dataDir ? join(options.dataDir, 'dynamodb') : undefined);
  const dynamoPort = await listen(dynamo, options.dynamodbPort ?? 0, host);
  const secrets = await serveSecretsManager(
    new SecretsManagerEmulator(options.dataDir ? join(options.dataDir, 'secrets.json') : undefined),
    LOCAL_SIGNING,
    options.secretsManagerPort ?? 0,
    host,
  );
  return {
    endpoints: { dynamodb: `http://${host}:${dynamoPort}`, secretsManager: secrets.endpoint },
    stop: async () => {
      await Promise.all([closeServer(dynamo), closeServer(secrets.server)]);
    },
  };
}

async function currentValue(client: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  try {
    return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function createSecret(client: SecretsManagerClient, name: string, value: string): Promise<boolean> {
  try {
    await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
    return true;
  } catch (error) {
    if (error instanceof ResourceExistsException) return false;
    throw error;
  }
}

export interface SeedOptions {
  /** Value for the shared token; a random one is generated when absent and none exists yet. */
  playAuthToken?: string;
  demoUser?: { login: string; password: string; profile: string };
}

export interface SeedResult {
  /** Set when this run generated the shared token (it is shown to the operator once). */
  generatedPlayAuthToken?: string;
  demoUserCreated: boolean;
}

/**
 * Creates what a stage has once deployed: the tables, a random signing key, the shared token
 * and, for the local stack, a demo user. Existing data is kept, so a restart changes nothing.
 */
export async function provisionStack(
  config: Config,
  endpoints: Endpoints,
  options: SeedOptions = {},
): Promise<SeedResult> {
  const { db, secrets } = localClients(endpoints);
  await createTables(db, {
    TokensTable: config.tokensTable,
    UsersTable: config.usersTable,
    AttemptsTable: config.attemptsTable,
  });
  await createSecret(secrets, config.signingKeySecretId, newSecretValue('signing-key'));

  const result: SeedResult = { demoUserCreated: false };
  const existingToken = await currentValue(secrets, config.playAuthTokenSecretId);
  if (options.playAuthToken !== undefined) {
    if (existingToken === undefined) await createSecret(secrets, config.playAuthTokenSecretId, options.playAuthToken);
    else if (existingToken !== options.playAuthToken) {
      await rotateSecret(secrets, config.playAuthTokenSecretId, options.playAuthToken);
    }
  } else if (existingToken === undefined) {
    const generated = newSecretValue('play-auth-token');
    await createSecret(secrets, config.playAuthTokenSecretId, generated);
    result.generatedPlayAuthToken = generated;
  }

  if (options.demoUser) {
    const users = new DynamoUserStore(db, config.usersTable);
    result.demoUserCreated = await ensureUser(
      users,
      { ...options.demoUser, ctiLoginEnabled: true },
      passwordPolicy(config.passwordScryptLogN),
    );
  }
  db.destroy();
  secrets.destroy();
  return result;
}
