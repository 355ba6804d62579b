import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createDocumentClient, createSecretsClient } from '../shared/clients/aws.ts';
import { loadConfig } from '../shared/config.ts';
import { createServices, type Services } from '../shared/services.ts';
import type { LocalStackFile } from '../infra/local/local-stack-plugin.ts';

export interface TargetOptions {
  stage?: string | undefined;
  region?: string | undefined;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** Where the CLI acts, for its messages. */
export interface Target {
  services: Services;
  description: string;
}

/**
 * The stores the CLI works on: a deployed stage when `--stage` is given (standard AWS
 * credentials and region), the emulators named by `AWS_ENDPOINT_URL_*` when set, and otherwise
 * the running local stack, found through the file `npm start` writes.
 */
export function resolveTarget(options: TargetOptions): Target {
  if (options.stage) {
    const config = loadConfig({ ...options.env, STAGE: options.stage });
    const region = options.region ?? options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION;
    const clientOptions = { timeoutMs: 10_000, ...(region ? { region } : {}) };
    return {
      services: createServices(config, {
        db: createDocumentClient(clientOptions),
        secrets: createSecretsClient(clientOptions),
      }),
      description: `stage ${options.stage}${region ? ` in ${region}` : ''}`,
    };
  }
  if (options.env.AWS_ENDPOINT_URL_DYNAMODB) {
    const config = loadConfig(options.env);
    return { services: createServices(config), description: `endpoints ${options.env.AWS_ENDPOINT_URL_DYNAMODB}` };
  }
  const stackFile = join(resolve(options.cwd, options.env.LOCAL_DATA_DIR ?? '.local'), 'stack.json');
  if (!existsSync(stackFile)) {
    throw new Error('No local stack found: start it with `npm start`, or name a deployed stage with --stage <stage>.');
  }
  const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as LocalStackFile;
  const config = loadConfig(stack.environment);
  const clientOptions = {
    timeoutMs: 3000,
    endpoints: stack.endpoints,
    region: stack.region,
    // The local stack's own credentials, session token included, as its functions get them.
    credentials: {
      accessKeyId: stack.environment.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: stack.environment.AWS_SECRET_ACCESS_KEY ?? '',
      ...(stack.environment.AWS_SESSION_TOKEN ? { sessionToken: stack.environment.AWS_SESSION_TOKEN } : {}),
    },
  };
  return {
    services: createServices(config, {
      db: createDocumentClient(clientOptions),
      secrets: createSecretsClient(clientOptions),
    }),
    description: `the local stack (${stack.endpoints.dynamodb})`,
  };
}
